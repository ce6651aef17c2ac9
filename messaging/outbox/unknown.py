"""Unknown outcomes: a send timed out after the request left, or a worker died holding the lease.

Before sending again, ask the provider whether it already has the message (messages to that
recipient since the attempt, same body) and adopt it instead of sending a duplicate.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from messaging.channels import get_channel
from messaging.channels.base import ChannelError, OutgoingMessage
from messaging.models import AttemptOutcome, Channel, DeliveryAttempt, Notification, NotificationStatus
from messaging.outbox.outcomes import Attempt, backoff_until, guarded_update, log_attempt, on_sent
from messaging.outbox.receipts import status_callbacks_replay

logger = logging.getLogger(__name__)

# Provider clocks and ours differ; look a little before the attempt started.
CLOCK_SLACK = timedelta(minutes=2)


def outgoing_message(notification: Notification, *, template_sid: str | None = None, variables: dict | None = None):
    """What the channel sends. Without an explicit form, the notification's own: its WhatsApp template
    (Content SID) applies on WhatsApp only; SMS and email always carry the text."""
    if template_sid is None:
        on_whatsapp = notification.channel == Channel.WHATSAPP
        template_sid = notification.template_sid if on_whatsapp else ""
        variables = notification.template_variables if on_whatsapp else {}
    return OutgoingMessage(
        notification_id=notification.pk, to_phone=notification.recipient_phone,
        to_email=notification.recipient_email, body=notification.body, subject=notification.subject,
        language=notification.language, template_sid=template_sid,
        template_variables=(variables or {}) if template_sid else {},
    )


def _attempt_started(notification: Notification):
    started = (
        DeliveryAttempt.objects.filter(notification=notification, channel=notification.channel,
                                       outcome=AttemptOutcome.UNKNOWN)
        .order_by("-started_at").values_list("started_at", flat=True).first()
    )
    return (started or notification.created_at) - CLOCK_SLACK


def _first_unclaimed(sids: list[str]) -> str | None:
    taken = set(Notification.objects.filter(provider_sid__in=sids).values_list("provider_sid", flat=True))
    taken |= set(DeliveryAttempt.objects.filter(provider_sid__in=sids).values_list("provider_sid", flat=True))
    return next((sid for sid in sids if sid not in taken), None)


def resolve_unknown(notification: Notification, *, guard: dict) -> str:
    """"adopted" (the provider has it; now sent), "not_found" (safe to send), or "lookup_failed" (wait)."""
    channel = get_channel(notification.channel)
    if not channel.can_lookup():
        return "not_found"
    started = timezone.now()
    try:
        sids = channel.lookup(outgoing_message(notification), since=_attempt_started(notification))
    except ChannelError as exc:
        logger.warning("notification %s: lookup at %s failed (%s); will retry", notification.pk, channel.kind, exc.code)
        until = backoff_until(notification.channel, max(notification.attempts, 1), exc.retry_after)
        attempt = Attempt(channel=notification.channel, started_at=started)
        # SKIPPED, not UNKNOWN: the next lookup must still start from the original send.
        log_attempt(notification, attempt, outcome=AttemptOutcome.SKIPPED, code=exc.code, category="transient",
                    message=f"lookup before resend failed: {exc.message}")
        guarded_update(guard, status=NotificationStatus.UNKNOWN, next_attempt_at=until, claimed_until=None)
        return "lookup_failed"
    sid = _first_unclaimed(sids)
    if not sid:
        return "not_found"
    attempt = Attempt(channel=notification.channel, started_at=started, provider_sid=sid)
    with transaction.atomic():
        if on_sent(notification, attempt, guard=guard, counted=False,
                   note="found at the provider after an unknown outcome: adopted, not resent"):
            status_callbacks_replay(sid=sid)  # Twilio may have reported on it while we did not know its SID
    logger.info("notification %s: adopted %s found at %s", notification.pk, sid, channel.kind)
    return "adopted"
