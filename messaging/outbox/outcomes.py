"""What happened to a send, written down: the attempt row, the notification's next state, metrics.

Every state change is a conditional UPDATE guarded by what the caller holds: the dispatcher's
lease (status "sending" and its ``claimed_until``) or, for status callbacks, the provider SID of
a sent message. When the guard no longer matches, someone else owns the row and we change nothing.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.phones import mask_phone
from messaging.channels import channel_spec
from messaging.channels.base import ChannelError
from messaging.models import AttemptOutcome, Channel, DeliveryAttempt, Notification, NotificationStatus
from messaging.outbox.pacing import RATE_CODES, channel_pause
from messaging.outbox.policy import POLICY, Category, Rule, classify, policy_key
from messaging.outbox.quotas import quota_mark_spent
from reliability import metrics
from reliability.breakers import breaker
from reliability.dead_letters import dead_letter_create
from reliability.errors import record_error
from reliability.retry import next_attempt_at

logger = logging.getLogger(__name__)

WAKE_INTERVAL_SECONDS = 30
INVALID_NUMBER_CODES = ("21211",)  # Twilio: the 'To' is not a valid phone number, on any phone channel
# Routing's deferrals that a working channel does not end: a quota spent or kept for offers, the degradation
# level, a rate pause. Woken, they would only be skipped again.
HELD_ON_PURPOSE = ("quota_spent", "quota_low", "degraded", "rate_paused")


@dataclass(frozen=True)
class Attempt:
    """One try as the dispatcher saw it."""

    channel: str
    started_at: datetime
    duration_ms: int = 0
    provider_sid: str = ""
    template_sid: str = ""


def lease_guard(notification: Notification, lease: datetime) -> dict:
    return {"pk": notification.pk, "status": NotificationStatus.SENDING, "claimed_until": lease}


def guarded_update(guard: dict, **fields) -> bool:
    fields["updated_at"] = timezone.now()
    return Notification.objects.filter(**guard).update(**fields) == 1


def retry_config(channel: str) -> dict:
    return channel_spec(channel).retry


def max_attempts(channel: str, rule: Rule | None = None) -> int:
    attempts = int(retry_config(channel)["attempts"])
    if rule is not None and rule.category == Category.UNKNOWN:
        return min(attempts, settings.MESSAGING_UNKNOWN_CODE_ATTEMPTS)
    return attempts


def backoff_until(channel: str, attempts: int, retry_after: float | None = None) -> datetime:
    config = retry_config(channel)
    return next_attempt_at(max(attempts - 1, 0), base=config["base"], cap=config["cap"], retry_after=retry_after)


def next_channel(notification: Notification) -> str | None:
    """The next channel of the chain after the current one, passing those that refused the recipient."""
    chain = list(notification.channels or [])
    after = chain[chain.index(notification.channel) + 1:] if notification.channel in chain else chain
    usable = usable_channels(notification) if after else []
    return next((kind for kind in after if kind in usable), None)


def attempt_row(notification: Notification, attempt: Attempt, *, outcome: str, code: str = "", category: str = "",
                message: str = "") -> DeliveryAttempt:
    """The attempt's row, not saved yet; its metrics counted."""
    metrics.SENDS.labels(channel=attempt.channel, outcome=outcome).inc()
    if code and outcome in (AttemptOutcome.FAILED, AttemptOutcome.UNKNOWN, AttemptOutcome.UNDELIVERED):
        metrics.PROVIDER_ERRORS.labels(channel=attempt.channel, code=code).inc()
    return DeliveryAttempt(
        notification=notification, channel=attempt.channel, started_at=attempt.started_at,
        duration_ms=attempt.duration_ms, outcome=outcome, error_code=code, category=category,
        message=message[:2000], provider_sid=attempt.provider_sid,
    )


def log_attempt(notification: Notification, attempt: Attempt, **row) -> DeliveryAttempt:
    log = attempt_row(notification, attempt, **row)
    log.save()
    return log


SENT_FIELDS = ("status", "provider_sid", "sent_at", "claimed_until", "channel", "updated_at", "template_sid",
               "attempts", "total_attempts")


def _sent_fields(notification: Notification, attempt: Attempt, *, counted: bool) -> dict:
    fields = {"status": NotificationStatus.SENT, "provider_sid": attempt.provider_sid, "sent_at": timezone.now(),
              "claimed_until": None, "channel": attempt.channel, "updated_at": timezone.now(),
              "template_sid": attempt.template_sid or notification.template_sid}
    if counted:
        fields.update(attempts=notification.attempts + 1, total_attempts=notification.total_attempts + 1)
    return fields


def mark_sent(notification: Notification, attempt: Attempt, *, guard: dict, counted: bool = True) -> bool:
    """The provider accepted the message (or already had it, ``counted=False``): SENT, while still ours.

    A template it went out as is remembered, so a 63016 reported later for it does not switch to it again.
    """
    owned = guarded_update(guard, **_sent_fields(notification, attempt, counted=counted))
    if not owned:
        logger.warning("notification %s: lease lost before recording sid %s", notification.pk, attempt.provider_sid)
    return owned


def sent_group_mark(sends: list[tuple[Notification, Attempt, dict]]) -> set[tuple[int, datetime]]:
    """``mark_sent`` for a group of accepted sends in two statements: lock the rows still held under the
    sends' own leases, then one UPDATE for all of them. Returns the (id, lease) pairs that were still ours:
    a send made under a lease since lost or renewed changes nothing. Inside the caller's transaction."""
    if not sends:
        return set()
    by_lease = defaultdict(list)  # a claimed batch shares one lease, unless a send renewed its own
    for _notification, _attempt, guard in sends:
        by_lease[guard["claimed_until"]].append(guard["pk"])
    held = Q()
    for lease, ids in by_lease.items():
        held |= Q(claimed_until=lease, pk__in=ids)
    # FOR NO KEY UPDATE, like a plain UPDATE: it does not block other workers inserting attempt rows that
    # reference these notifications (FOR UPDATE would, and two groups could deadlock on each other's rows).
    owned = set(Notification.objects.select_for_update(no_key=True).filter(held, status=NotificationStatus.SENDING)
                .order_by("pk").values_list("pk", "claimed_until"))
    rows = [Notification(pk=notification.pk, **_sent_fields(notification, attempt, counted=True))
            for notification, attempt, guard in sends if (notification.pk, guard["claimed_until"]) in owned]
    if rows:
        Notification.objects.bulk_update(rows, SENT_FIELDS)
    for notification, attempt, guard in sends:
        if (notification.pk, guard["claimed_until"]) not in owned:
            logger.warning("notification %s: lease lost before recording sid %s", notification.pk,
                           attempt.provider_sid)
    return owned


def on_sent(notification: Notification, attempt: Attempt, *, guard: dict, note: str = "", counted: bool = True) -> bool:
    """``mark_sent`` plus its attempt row (written even when the lease was lost: the SID is this row's)."""
    owned = mark_sent(notification, attempt, guard=guard, counted=counted)
    log_attempt(notification, attempt, outcome=AttemptOutcome.SENT, message=note)
    return owned


def move_or_settle(notification: Notification, attempt: Attempt, *, guard: dict, code: str, category: str,
                   reason: str, until: datetime | None, extra: dict | None = None) -> str:
    """Leave the current channel: the next one now; after the last one, wait on the chain (ARCHITECTURE §8)."""
    fields = {"claimed_until": None, "last_error_code": code, "last_error_category": category,
              "last_error": reason[:2000], **(extra or {})}
    following = next_channel(notification)
    if following:
        fields.update(status=NotificationStatus.PENDING, channel=following, attempts=0, next_attempt_at=timezone.now())
        guarded_update(guard, **fields)
        logger.info("notification %s: %s → %s (%s)", notification.pk, notification.channel, following, code)
        return "moved"
    return wait_or_give_up(notification, attempt, guard=guard, code=code, category=category, reason=reason,
                           until=until, fields=fields)


def wait_or_give_up(notification: Notification, attempt: Attempt, *, guard: dict, code: str, category: str,
                    reason: str, until: datetime | None, fields: dict) -> str:
    """Every channel of the chain was tried. Dead-letter only what nothing will fix (the recipient refused or
    is invalid on every channel) or what waited past MESSAGING_GIVE_UP_HOURS; otherwise wait and start the
    chain again from its first usable channel (a channel that comes back wakes it: ``waiting_wake``)."""
    usable = usable_channels(notification)
    horizon = notification.created_at + timedelta(hours=settings.MESSAGING_GIVE_UP_HOURS)
    if usable and timezone.now() < horizon:
        fields.update(status=NotificationStatus.PENDING, channel=usable[0], attempts=0,
                      next_attempt_at=_wait_until(notification, usable, until))
        guarded_update(guard, **fields)
        logger.info("notification %s: no channel works now (%s); waiting on %s", notification.pk, code, usable[0])
        return "waiting"
    if usable:
        reason = f"gave up after {settings.MESSAGING_GIVE_UP_HOURS} h without a working channel: {reason}"
    notification_dead_letter(notification, attempt, guard=guard, code=code, category=category, reason=reason,
                             extra=fields)
    return "dead"


def _wait_until(notification: Notification, usable: list[str], until: datetime | None) -> datetime:
    """When the current channel itself says when (quota, breaker) and it is the only one left, that time;
    otherwise the chain's backoff, which grows with the rounds already made."""
    if until and usable == [notification.channel]:
        return until
    rounds = max(1, notification.total_attempts // max(len(notification.channels or []), 1))
    config = retry_config(usable[0])
    # Capped so that a channel whose breaker waits for a probe gets one, and messages see it come back in time.
    cap = min(config["cap"], settings.MESSAGING_OUTAGE_RECHECK_SECONDS)
    wait_until = next_attempt_at(rounds, base=config["base"], cap=cap)
    return min(wait_until, until) if until else wait_until


def usable_channels(notification: Notification) -> list[str]:
    """The chain without the channels on which the recipient refused or is invalid (recipient errors). A
    number that is not a phone number at all (``INVALID_NUMBER_CODES``) rules out every phone channel."""
    refusals = set(DeliveryAttempt.objects.filter(notification=notification, category=Category.RECIPIENT)
                   .values_list("channel", "error_code"))
    refused = {kind for kind, _code in refusals}
    if any(code in INVALID_NUMBER_CODES for _kind, code in refusals):
        refused |= {kind for kind in notification.channels or [] if channel_spec(kind).address == "phone"}
    return [kind for kind in notification.channels or [] if kind not in refused]


def waiting_wake(channel: str) -> int:
    """A send just worked on ``channel``: the messages waiting for a channel go now, not at the end of their
    backoff, whichever channel their chain restarts on (routing skips what is still down in no time). Held
    back on purpose excepted (``HELD_ON_PURPOSE``). At most every WAKE_INTERVAL per process
    and channel (the cache remembers the last wake)."""
    if not caches["local"].add(f"djobea:outbox-wake:{channel}", 1, timeout=WAKE_INTERVAL_SECONDS):
        return 0
    now = timezone.now()
    woken = Notification.objects.filter(
        status__in=(NotificationStatus.PENDING, NotificationStatus.FAILED), next_attempt_at__gt=now,
    ).exclude(last_error_code__in=HELD_ON_PURPOSE).update(next_attempt_at=now, updated_at=now)
    if woken:
        logger.info("%s works again: %s waiting notifications are due now", channel, woken)
    return woken


def notification_dead_letter(notification: Notification, attempt: Attempt, *, guard: dict, code: str, category: str,
                             reason: str, extra: dict) -> bool:
    """Every channel failed: a DeadLetter with a support code, stored on the notification too."""
    extra = {k: v for k, v in extra.items() if k not in ("claimed_until", "status")}
    with transaction.atomic():
        if not guarded_update(guard, status=NotificationStatus.DEAD, claimed_until=None, **extra):
            return False
        letter = dead_letter_create(
            kind="notification", object_id=str(notification.pk), reason=category, last_error=reason,
            error_code=code, channel=attempt.channel, attempts=notification.total_attempts,
            payload={"subject": notification.subject, "channels": notification.channels,
                     "recipient": mask_phone(notification.recipient_phone), "priority": notification.priority},
        )
        Notification.objects.filter(pk=notification.pk).update(support_code=letter.support_code)
    logger.error("notification %s dead-lettered (%s %s), support code %s",
                 notification.pk, category, code, letter.support_code)
    return True


def _side_effects(notification: Notification, attempt: Attempt, error: ChannelError, rule: Rule) -> str:
    """Breaker trip, quota mark, ErrorEvent. Returns the support code of the event, if any."""
    if rule.category == Category.CHANNEL_CONFIG and error.code in POLICY:
        breaker(attempt.channel).trip(f"{error.code}: {error.message}"[:500])
    if policy_key(error.code, error.http_status) in RATE_CODES:
        channel_pause(attempt.channel, retry_after=error.retry_after)
    if not (rule.alert or rule.category == Category.UNKNOWN):
        return ""
    severity = "critical" if rule.category == Category.CHANNEL_CONFIG else "error"
    event = record_error(
        category=f"messaging.{rule.category}", severity=severity, subject=notification.subject,
        message=f"{attempt.channel} send failed with {error.code}: {error.message}"[:1000],
        context={"notification_id": notification.pk, "channel": attempt.channel, "code": error.code,
                 "policy_row": policy_key(error.code, error.http_status), "provider_sid": attempt.provider_sid},
    )
    return event.support_code


def on_failure(notification: Notification, attempt: Attempt, error: ChannelError, *, guard: dict,
               counted: bool = True, outcome: str | None = None) -> str:
    """Classify with the policy table, record, then retry, switch form, move on, wait or dead-letter."""
    rule = classify(error.code, error.http_status)
    outcome = outcome or (AttemptOutcome.UNKNOWN if error.outcome_unknown else AttemptOutcome.FAILED)
    log_attempt(notification, attempt, outcome=outcome, code=error.code, category=rule.category,
                message=error.message)
    support_code = _side_effects(notification, attempt, error, rule)
    attempts = notification.attempts + (1 if counted else 0)
    fields = {"attempts": attempts, "total_attempts": notification.total_attempts + (1 if counted else 0),
              "last_error_code": error.code, "last_error_category": rule.category,
              "last_error": error.message[:2000], "claimed_until": None}
    if support_code:
        fields["support_code"] = support_code
    if attempt.template_sid:  # the lookup after an unknown outcome must match a template, not the text
        fields["template_sid"] = attempt.template_sid
    notification.total_attempts = fields["total_attempts"]
    return _next_step(notification, attempt, error, rule, guard=guard, attempts=attempts, fields=fields)


def lookup_not_before(until: datetime) -> datetime:
    """The first lookup after an unknown outcome waits until the provider surely has the message."""
    return max(until, timezone.now() + timedelta(seconds=settings.MESSAGING_LOOKUP_DELAY_SECONDS))


def _next_step(notification, attempt, error, rule, *, guard, attempts, fields) -> str:
    if error.outcome_unknown:
        until = lookup_not_before(backoff_until(attempt.channel, attempts, error.retry_after))
        guarded_update(guard, status=NotificationStatus.UNKNOWN, next_attempt_at=until, **fields)
        return "unknown"
    if rule.retry and attempts < max_attempts(attempt.channel, rule):
        until = backoff_until(attempt.channel, attempts, error.retry_after)
        guarded_update(guard, status=NotificationStatus.FAILED, next_attempt_at=until, **fields)
        return "retry"
    if rule.category == Category.WINDOW and _can_switch_to_template(notification, attempt):
        guarded_update(guard, status=NotificationStatus.PENDING, next_attempt_at=timezone.now(),
                       template_sid=settings.TWILIO_WHATSAPP_TEMPLATE_SID,
                       template_variables=notification.template_variables or {"1": notification.body}, **fields)
        return "template"
    until = quota_mark_spent(channel=attempt.channel) if rule.category == Category.QUOTA else None
    return move_or_settle(notification, attempt, guard=guard, code=error.code, category=rule.category,
                          reason=error.message, until=until, extra=fields)


def _can_switch_to_template(notification: Notification, attempt: Attempt) -> bool:
    """A 63016 on free-form WhatsApp text: the template is the answer. On a template already: it is not."""
    return (attempt.channel == Channel.WHATSAPP and bool(settings.TWILIO_WHATSAPP_TEMPLATE_SID)
            and not attempt.template_sid and not notification.template_sid)
