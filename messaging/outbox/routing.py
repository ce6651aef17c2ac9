"""Before a send: which channel, which form (text or template), and may we call the provider now?

Checks, in order: the recipient is not suppressed on this channel, the degradation level in force
(severe: WhatsApp off; moderate and above: low-priority messages wait), the WhatsApp 24-hour window
(template or next channel up front), the channel's breaker (cheap peek), a pause after a rate answer,
the daily quota, and
finally a breaker permit. The result is a plan to send, or a skip that says where to go.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from messaging.models import Channel, Conversation, DeliveryAttempt, InboundMessage, Notification, Priority
from messaging.outbox.pacing import paused_until
from messaging.outbox.policy import SUPPRESSING_CODES, Category
from messaging.outbox.quotas import quota_release, quota_reserve
from reliability import degradation
from reliability.breakers import BreakerOpen, breaker

WHATSAPP_WINDOW = timedelta(hours=24)
DEGRADED_RECHECK = timedelta(minutes=1)  # the level is recomputed every minute


@dataclass
class SendPlan:
    channel: str
    template_sid: str
    template_variables: dict
    permit: object
    quota_usage_id: int | None


@dataclass(frozen=True)
class Skip:
    code: str  # e.g. "breaker_open", "quota_spent", "window_closed"
    category: str
    reason: str
    move_on: bool  # try the next channel now if there is one
    until: datetime | None = None  # otherwise wait until then (None: no point waiting, dead-letter)


@dataclass(frozen=True)
class Recipients:
    """What routing needs to know about the recipients of a batch of claims, read for the whole batch at once
    (two statements per batch instead of two per message). As of the claim: a refusal met by one send of the
    batch suppresses the recipient's later messages from the next batch on (the batch's others may still try
    once and be refused too, as concurrent sends always could)."""

    last_inbound: dict[str, datetime]  # phone -> its last WhatsApp message to us (the 24-hour window)
    suppressed: frozenset[tuple[str, str]]  # (phone, channel): the provider says the recipient refuses it

    def window_open(self, phone: str, *, now: datetime) -> bool:
        """Inside the recipient's 24-hour WhatsApp session (they wrote to us in the last 24 h)."""
        last = self.last_inbound.get(phone)
        return bool(last and last > now - WHATSAPP_WINDOW)

    def is_suppressed(self, phone: str, channel: str) -> bool:
        return (phone, channel) in self.suppressed


def recipients_read(notifications: list[Notification]) -> Recipients:
    """The 24-hour windows and the suppressions of these notifications' recipients.

    A refusal (21610 STOP, …) suppresses its channel until the recipient writes to us again on it (e.g.
    START after STOP): only refusals newer than their last inbound message on the channel count.
    """
    phones = {notification.recipient_phone for notification in notifications} - {""}
    if not phones:
        return Recipients({}, frozenset())
    last_inbound = dict(Conversation.objects.filter(phone__in=phones, last_inbound_at__isnull=False)
                        .values_list("phone", "last_inbound_at"))
    refusals = (DeliveryAttempt.objects
                .filter(notification__recipient_phone__in=phones, error_code__in=SUPPRESSING_CODES)
                .values_list("notification__recipient_phone", "channel").annotate(last=Max("started_at")))
    suppressed = frozenset(
        (phone, channel) for phone, channel, last in refusals  # the usual case: no refusal, nothing more to read
        if not InboundMessage.objects.filter(sender=phone, channel=channel, received_at__gte=last).exists()
    )
    return Recipients(last_inbound, suppressed)


def degraded_skip(notification: Notification, *, now: datetime) -> Skip | None:
    """What the degradation level in force holds back (README, "Degradation levels"); never dropped."""
    level = degradation.current_level_cached()
    if notification.channel == Channel.WHATSAPP and not degradation.whatsapp_enabled(level):
        return Skip("degraded", Category.TRANSIENT, f"WhatsApp off at degradation level {level}", move_on=True,
                    until=now + DEGRADED_RECHECK)
    if notification.priority <= Priority.LOW and degradation.low_priority_deferred(level):
        return Skip("degraded", Category.TRANSIENT, f"low priority, held back at degradation level {level}",
                    move_on=False, until=now + DEGRADED_RECHECK)
    return None


def plan_send(notification: Notification, *, now: datetime, recipients: Recipients) -> SendPlan | Skip:
    """``recipients``: read for the claim's whole batch (messaging.outbox.dispatch.claim_due)."""
    channel = notification.channel
    if channel != Channel.EMAIL and recipients.is_suppressed(notification.recipient_phone, channel):
        return Skip("suppressed", Category.RECIPIENT, "recipient suppressed on this channel", move_on=True)
    held_back = degraded_skip(notification, now=now)
    if held_back:
        return held_back
    template_sid, variables = "", {}  # a WhatsApp template never goes out on SMS or email
    if channel == Channel.WHATSAPP:
        template_sid, variables = notification.template_sid, notification.template_variables
    if (channel == Channel.WHATSAPP and not template_sid
            and not recipients.window_open(notification.recipient_phone, now=now)):
        if not settings.TWILIO_WHATSAPP_TEMPLATE_SID:
            return Skip("window_closed", Category.WINDOW, "outside the 24-hour window, no template", move_on=True)
        template_sid, variables = settings.TWILIO_WHATSAPP_TEMPLATE_SID, variables or {"1": notification.body}
    channel_breaker = breaker(channel)
    if channel_breaker.is_open():
        return Skip("breaker_open", Category.TRANSIENT, f"{channel} breaker open", move_on=True,
                    until=now + timedelta(seconds=30))
    if (notification.priority >= Priority.HIGH and channel_breaker.probing()
            and channel != (notification.channels or [channel])[-1]):
        # Probes prefer low-priority messages: an offer does not wait on a channel that may still be down.
        return Skip("probe_avoided", Category.TRANSIENT, f"{channel} is being probed; high priority moves on",
                    move_on=True)
    paused = paused_until(channel, now=now)
    if paused:
        return Skip("rate_paused", Category.TRANSIENT, f"{channel} paused after a rate answer", move_on=False,
                    until=paused)
    quota = quota_reserve(channel=channel, notification_id=notification.pk, priority=notification.priority, now=now)
    if not quota.allowed:
        return Skip("quota_spent" if quota.exhausted else "quota_low", Category.QUOTA, quota.reason,
                    move_on=quota.exhausted, until=quota.until)
    try:
        permit = channel_breaker.acquire()
    except BreakerOpen as exc:
        quota_release(usage_id=quota.usage_id)
        return Skip("breaker_open", Category.TRANSIENT, f"{channel} breaker open", move_on=True,
                    until=getattr(exc, "retry_at", None) or now + timedelta(seconds=30))
    return SendPlan(channel, template_sid, variables, permit, quota.usage_id)
