"""The outbox dispatcher: claim due notifications, lease them, send outside the transaction.

Claims use ``select_for_update(skip_locked=True)`` on the notification table's own columns, so
several dispatchers never take the same row (on SQLite, Django ignores SKIP LOCKED and the
IMMEDIATE transaction mode serialises the claim). Each row's lease is renewed just before its
send; every later write is conditional on still holding it (messaging.outbox.outcomes).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging.channels import get_channel
from messaging.channels.base import ChannelError
from messaging.models import (
    DUE_STATUSES,
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
)
from messaging.outbox.outcomes import (
    Attempt,
    attempt_row,
    backoff_until,
    guarded_update,
    lease_guard,
    log_attempt,
    max_attempts,
    move_or_settle,
    notification_dead_letter,
    on_failure,
    sent_group_mark,
    waiting_wake,
)
from messaging.outbox.pacing import wait_for_slot
from messaging.outbox.policy import classify
from messaging.outbox.quotas import quota_release
from messaging.outbox.receipts import status_callbacks_replay
from messaging.outbox.routing import Recipients, SendPlan, Skip, plan_send, recipients_read
from messaging.outbox.unknown import outgoing_message, resolve_unknown
from reliability.breakers import breaker
from reliability.errors import record_error

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    pk: int
    lease: datetime
    was_unknown: bool
    notification: Notification  # as read under the row lock
    recipients: Recipients  # the batch's recipients (windows, suppressions), read with the claim


@dataclass(frozen=True)
class Sent:
    """A send the provider accepted, not yet written down."""

    notification: Notification
    attempt: Attempt
    guard: dict


SentSink = Callable[[list[Sent]], object]


def _lease_from(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)


def claim_due(*, limit: int, notification_id: int | None = None, now: datetime | None = None) -> list[Claim]:
    """Take up to ``limit`` due rows, highest priority first, and lease them (status "sending")."""
    now = now or timezone.now()
    lease = _lease_from(now)
    with transaction.atomic():
        due = Notification.objects.select_for_update(skip_locked=True).filter(
            status__in=DUE_STATUSES, next_attempt_at__lte=now
        )
        if notification_id is not None:
            due = due.filter(pk=notification_id)
        rows = list(due.order_by("-priority", "next_attempt_at")[:limit])
        if rows:
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=NotificationStatus.SENDING, claimed_until=lease, updated_at=now
            )
    recipients = recipients_read(rows)
    return [Claim(row.pk, lease, row.status == NotificationStatus.UNKNOWN, row, recipients) for row in rows]


def leases_recover(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Expired leases (a worker died mid-batch) go back to due as "unknown": look up before resending.

    An expired lease counts as an attempt; a message that keeps killing its worker (MESSAGING_POISON_LIMIT
    expiries) is dead-lettered as poison instead of looping forever.
    """
    now = now or timezone.now()
    expired = list(Notification.objects.filter(status=NotificationStatus.SENDING, claimed_until__lt=now)[:limit])
    recovered = 0
    for notification in expired:
        recovered += _lease_expired(notification, now=now)
    if recovered:
        logger.warning("recovered %s expired outbox leases", recovered)
    return recovered


def _lease_expired(notification: Notification, *, now: datetime) -> int:
    guard = lease_guard(notification, notification.claimed_until)
    reason = "lease expired: the dispatcher stopped mid-send"
    attempt = Attempt(channel=notification.channel,
                      started_at=notification.claimed_until - timedelta(seconds=settings.MESSAGING_LEASE_SECONDS))
    with transaction.atomic():
        log_attempt(notification, attempt, outcome=AttemptOutcome.UNKNOWN, code="lease_expired",
                    category="transient", message=reason)
        expiries = DeliveryAttempt.objects.filter(notification=notification, error_code="lease_expired").count()
        if expiries >= settings.MESSAGING_POISON_LIMIT:
            return int(_poison(notification, attempt, guard=guard, expiries=expiries))
        return int(guarded_update(guard, status=NotificationStatus.UNKNOWN, claimed_until=None, next_attempt_at=now,
                                  attempts=notification.attempts + 1,
                                  total_attempts=notification.total_attempts + 1, last_error=reason))


def _poison(notification: Notification, attempt: Attempt, *, guard: dict, expiries: int) -> bool:
    """Dead-lettered with an ErrorEvent and a support code (dead_letter_create records it)."""
    reason = f"poison message: its worker died {expiries} times while sending it"
    return notification_dead_letter(notification, attempt, guard=guard, code="lease_expired", category="poison",
                                    reason=reason, extra={})


def dispatch_due(*, batch_size: int | None = None, max_batches: int = 20, time_budget: float | None = None) -> int:
    """Send what is due, batch after batch (bounded). Returns the number of rows processed.

    With ``time_budget`` (seconds), no send starts after it is spent: the claims not yet started are
    handed back at once, so a task ends before django-q's timeout kills it mid-batch (which would leave
    its claims to wait for their leases, then cost a lookup each at the provider).
    """
    deadline = None if time_budget is None else time.monotonic() + time_budget
    processed = 0
    for _ in range(max_batches):
        if deadline is not None and time.monotonic() >= deadline:
            break
        claims = claim_due(limit=batch_size or settings.MESSAGING_BATCH_SIZE)
        if not claims:
            break
        for index, claim in enumerate(claims):
            if deadline is not None and time.monotonic() >= deadline:
                claims_release(claims[index:])
                return processed
            process_claim_safely(claim)
            processed += 1
    return processed


def claims_release(claims: list[Claim]) -> int:
    """Hand back claims that were not started: due again at once, in the state they were claimed in."""
    released = 0
    for claim in claims:
        previous = claim.notification.status
        if guarded_update({"pk": claim.pk, "status": NotificationStatus.SENDING, "claimed_until": claim.lease},
                          status=previous, claimed_until=None):
            released += 1
    return released


def process_claim_safely(claim: Claim, *, sent_sink: SentSink | None = None) -> str:
    """A bug in one row must not stop the batch: record it; the lease expires and the sweep recovers.

    With ``sent_sink``, a success is handed to it (the outbox worker writes them in groups: one commit for
    many sends) instead of being written at once.
    """
    try:
        return process_claim(claim, sent_sink=sent_sink)
    except Exception as exc:  # noqa: BLE001 (recorded with a support code, row recovered by the sweep)
        event = record_error(category="messaging.dispatcher", message=f"dispatching notification {claim.pk} failed",
                             exc=exc, context={"notification_id": claim.pk})
        logger.exception("notification %s: dispatch crashed (support code %s)", claim.pk, event.support_code)
        _release_after_crash(claim, support_code=event.support_code, error=f"{type(exc).__name__}: {exc}")
        return "crashed"


def _release_after_crash(claim: Claim, *, support_code: str, error: str) -> None:
    """Back off as "unknown" (the send may have happened: look up before resending), counting the attempt,
    so a row that keeps crashing ends on the next channel or in a dead letter instead of looping."""
    notification = Notification.objects.filter(pk=claim.pk).first()
    if notification is None:
        return
    attempts = notification.attempts + 1
    guarded_update(lease_guard(notification, claim.lease), status=NotificationStatus.UNKNOWN, claimed_until=None,
                   attempts=attempts, total_attempts=notification.total_attempts + 1,
                   next_attempt_at=backoff_until(notification.channel, attempts), last_error_code="internal_error",
                   last_error_category="unknown", last_error=error[:2000], support_code=support_code)


def process_claim(claim: Claim, *, sent_sink: SentSink | None = None) -> str:
    notification = claim.notification
    guard = lease_guard(notification, claim.lease)
    if claim.was_unknown:
        guard = _renew_lease(guard)
        if guard is None:
            return "lease_lost"
        resolved = resolve_unknown(notification, guard=guard)
        if resolved != "not_found":
            return resolved
        if notification.attempts >= max_attempts(notification.channel):
            attempt = Attempt(channel=notification.channel, started_at=timezone.now())
            return move_or_settle(notification, attempt, guard=guard, code=notification.last_error_code or "timeout",
                                  category="transient", reason="no retries left after an unknown outcome", until=None)
    plan = plan_send(notification, now=timezone.now(), recipients=claim.recipients)
    if isinstance(plan, Skip):
        return _skip(notification, plan, guard=guard)
    return _send(notification, plan, guard=guard, sent_sink=sent_sink)


@transaction.atomic
def _skip(notification: Notification, skip: Skip, *, guard: dict) -> str:
    attempt = Attempt(channel=notification.channel, started_at=timezone.now())
    log_attempt(notification, attempt, outcome=AttemptOutcome.SKIPPED, code=skip.code, category=skip.category,
                message=skip.reason)
    if not skip.move_on and skip.until:
        guarded_update(guard, status=NotificationStatus.PENDING, next_attempt_at=skip.until, claimed_until=None,
                       last_error_code=skip.code, last_error_category=skip.category,
                       last_error=f"deferred: {skip.reason}")
        return "deferred"
    return move_or_settle(notification, attempt, guard=guard, code=skip.code, category=skip.category,
                          reason=skip.reason, until=skip.until)


def _renew_lease(guard: dict) -> dict | None:
    """A fresh lease for this send when the batch's lease may not outlast it: never send on an expired one."""
    now = timezone.now()
    margin = timedelta(seconds=2 * settings.TWILIO_TIMEOUT_SECONDS + 5)
    if guard["claimed_until"] - now > margin:
        return guard
    lease = _lease_from(now)
    if not guarded_update(guard, claimed_until=lease):
        return None
    return {**guard, "claimed_until": lease}


def _send(notification: Notification, plan: SendPlan, *, guard: dict, sent_sink: SentSink | None) -> str:
    guard = _renew_lease(guard)
    if guard is None:
        quota_release(usage_id=plan.quota_usage_id)
        breaker(plan.channel).release(plan.permit)
        logger.warning("notification %s: lease lost before sending; another dispatcher owns it", notification.pk)
        return "lease_lost"
    channel = get_channel(plan.channel)
    message = outgoing_message(notification, template_sid=plan.template_sid, variables=plan.template_variables)
    wait_for_slot(plan.channel)
    started_at, clock = timezone.now(), time.monotonic()
    try:
        result = channel.send(message)
    except ChannelError as exc:
        duration = time.monotonic() - clock
        rule = classify(exc.code, exc.http_status)
        breaker(plan.channel).record(plan.permit, success=not rule.counts_against_breaker, duration=duration)
        if not exc.outcome_unknown:
            quota_release(usage_id=plan.quota_usage_id)
        attempt = Attempt(plan.channel, started_at, int(duration * 1000), template_sid=plan.template_sid)
        with transaction.atomic():
            return on_failure(notification, attempt, exc, guard=guard)
    duration = time.monotonic() - clock
    breaker(plan.channel).record(plan.permit, success=True, duration=duration)
    attempt = Attempt(plan.channel, started_at, int(duration * 1000), result.provider_sid, plan.template_sid)
    (sent_sink or sends_record)([Sent(notification, attempt, guard)])
    return "sent"


def sends_record(sends: list[Sent]) -> int:
    """Write accepted sends in one transaction (each row still guarded by its own lease), replay the status
    callbacks that raced them, and wake what waited for their channels. Returns how many were still ours.

    If this never runs (the process dies first), the rows' leases expire and the lookup adopts the SIDs.
    """
    with transaction.atomic():
        held = sent_group_mark([(sent.notification, sent.attempt, sent.guard) for sent in sends])
        owned = [sent for sent in sends if (sent.notification.pk, sent.guard["claimed_until"]) in held]
        DeliveryAttempt.objects.bulk_create(
            [attempt_row(sent.notification, sent.attempt, outcome=AttemptOutcome.SENT) for sent in sends])
        status_callbacks_replay(sids=[sent.attempt.provider_sid for sent in owned])
    for kind in {sent.attempt.channel for sent in owned}:
        waiting_wake(kind)
    return len(owned)
