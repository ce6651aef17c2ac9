"""Floods and auto-responder loops: past a per-sender rate, messages are stored but not answered.

An auto-responder that answers our replies, or a sender that floods, would otherwise get one reply
per message, for ever. Every message stays stored (nothing is lost, staff read it in the admin
with its reason); the domain handler is not called for it, the sender gets one short notice an hour, and
staff get one alert (deduplicated and cooled down by reliability.alerts).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.i18n import Message, render, text
from core.phones import mask_phone
from messaging.inbound import texts
from messaging.models import Conversation, InboundMessage, InboundStatus, Priority
from messaging.outbox import enqueue
from reliability.alerts import raise_alert
from reliability.models import Severity


def flood_reason(message: InboundMessage) -> Message:
    """Why this message should not be answered (no message if it should): the rate, or the same text repeated.
    A message (core.i18n), so the staff alert that quotes it reads in its reader's language."""
    mine = InboundMessage.objects.filter(sender=message.sender, received_at__lte=message.received_at)
    window = timedelta(seconds=settings.INBOUND_FLOOD_WINDOW_SECONDS)
    recent = mine.filter(received_at__gt=message.received_at - window).count()
    if recent > settings.INBOUND_FLOOD_MAX_MESSAGES:
        return text(gettext_noop("%(count)s messages in %(seconds)s s"), count=recent,
                    seconds=settings.INBOUND_FLOOD_WINDOW_SECONDS)
    if message.body.strip():
        repeat_window = timedelta(seconds=settings.INBOUND_FLOOD_REPEAT_WINDOW_SECONDS)
        same = mine.filter(received_at__gt=message.received_at - repeat_window, body=message.body).count()
        if same > settings.INBOUND_FLOOD_MAX_REPEATS:
            return text(gettext_noop("the same text %(count)s times in %(seconds)s s"), count=same,
                        seconds=settings.INBOUND_FLOOD_REPEAT_WINDOW_SECONDS)
    return {}


def flood_hold(*, message: InboundMessage, reason: Message) -> None:
    """Store the message as handled-without-reply, tell the sender once an hour and staff once."""
    now = timezone.now()
    masked = mask_phone(message.sender)
    language = texts.language_or_default(
        Conversation.objects.filter(phone=message.sender).values_list("language", flat=True).first()
    )
    with transaction.atomic():
        InboundMessage.objects.filter(pk=message.pk).update(
            status=InboundStatus.PROCESSED, processed_at=now, next_attempt_at=None,
            error=f"Not answered: the sender is over the flood limit ({render(reason)}).",
        )
        enqueue(key=f"inbound-flood:{message.sender}:{now:%Y%m%d%H}", body=texts.flood_reply(language=language),
                phone=message.sender, language=language, priority=Priority.LOW, subject=f"inbound:{message.pk}")
        raise_alert(key=f"inbound-flood:{masked}", severity=Severity.WARNING,
                    title=text(gettext_noop("A sender is flooding Djobea: %(sender)s"), sender=masked),
                    detail=text(gettext_noop("Messages are stored but no longer answered (%(reason)s). An "
                                             "auto-responder stuck in a loop with us looks like this."), reason=reason))
