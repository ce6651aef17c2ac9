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
from messaging.outbox.outcomes import (
    Attempt,
    backoff_until,
    guarded_update,
    log_attempt,
    lookup_not_before,
    max_attempts,
    move_or_settle,
    on_sent,
)
from messaging.outbox.receipts import status_callbacks_replay
from reliability.errors import record_error

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


def _unclaimed(notification: Notification, sids: list[str]) -> list[str]:
    """The candidates no OTHER notification holds: this one's own attempts (a send whose lease was lost
    after Twilio took it) never keep it from adopting its own message."""
    taken = set(Notification.objects.filter(provider_sid__in=sids).exclude(pk=notification.pk)
                .values_list("provider_sid", flat=True))
    taken |= set(DeliveryAttempt.objects.filter(provider_sid__in=sids).exclude(notification=notification)
                 .values_list("provider_sid", flat=True))
    return [sid for sid in sids if sid not in taken]


def _adoptable(notification: Notification, sids: list[str]) -> str | None:
    """The message to adopt. A template's text is rendered by Twilio, so its candidates are matched on the
    variables only; two such candidates are ambiguous and neither is adopted (resending is then safer than
    taking another message's SID)."""
    free = _unclaimed(notification, sids)
    if notification.template_sid and len(free) > 1:
        logger.warning("notification %s: %s template messages match; not adopting any", notification.pk, len(free))
        return None
    return free[0] if free else None


def resolve_unknown(notification: Notification, *, guard: dict) -> str:
    """"adopted" (the provider has it; now sent), "not_found" (safe to send), "lookup_failed" (wait, counted),
    or what ``move_or_settle`` did when the lookups kept failing."""
    channel = get_channel(notification.channel)
    if not channel.can_lookup():
        return "not_found"
    started = timezone.now()
    try:
        sids = channel.lookup(outgoing_message(notification), since=_attempt_started(notification))
    except ChannelError as exc:
        return _lookup_failed(notification, exc, guard=guard, started=started)
    sid = _adoptable(notification, sids)
    if not sid:
        return "not_found"
    attempt = Attempt(channel=notification.channel, started_at=started, provider_sid=sid)
    with transaction.atomic():
        if on_sent(notification, attempt, guard=guard, counted=False,
                   note="found at the provider after an unknown outcome: adopted, not resent"):
            status_callbacks_replay(sids=[sid])  # Twilio may have reported on it while we did not know its SID
    logger.info("notification %s: adopted %s found at %s", notification.pk, sid, channel.kind)
    return "adopted"


def _lookup_failed(notification: Notification, exc: ChannelError, *, guard: dict, started) -> str:
    """A failed lookup counts as an attempt: after the channel's attempts, the message moves on (or waits on
    the chain) with an ErrorEvent, instead of staying "unknown" forever."""
    attempts = notification.attempts + 1
    attempt = Attempt(channel=notification.channel, started_at=started)
    # SKIPPED, not UNKNOWN: the next lookup must still start from the original send.
    log_attempt(notification, attempt, outcome=AttemptOutcome.SKIPPED, code=exc.code, category="transient",
                message=f"lookup before resend failed: {exc.message}")
    counted = {"attempts": attempts, "total_attempts": notification.total_attempts + 1}
    if attempts < max_attempts(notification.channel):
        logger.warning("notification %s: lookup at %s failed (%s); will retry", notification.pk,
                       notification.channel, exc.code)
        until = lookup_not_before(backoff_until(notification.channel, attempts, exc.retry_after))
        guarded_update(guard, status=NotificationStatus.UNKNOWN, next_attempt_at=until, claimed_until=None,
                       **counted)
        return "lookup_failed"
    reason = f"the outcome of a send stayed unknown: {attempts} lookups at {notification.channel} failed ({exc.code})"
    event = record_error(category="messaging.unknown_outcome", message=f"notification {notification.pk}: {reason}",
                         subject=notification.subject, context={"notification_id": notification.pk})
    with transaction.atomic():
        return move_or_settle(notification, attempt, guard=guard, code=exc.code, category="transient",
                              reason=reason, until=None, extra={**counted, "support_code": event.support_code})
