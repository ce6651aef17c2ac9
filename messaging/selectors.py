"""Reads of the messaging tables for the dashboard, the monitoring API, health checks and metrics.

Every function runs a bounded number of aggregate queries over indexed columns:
Notification (status, updated_at) and (status, next_attempt_at); DeliveryAttempt
(started_at, outcome), (channel, started_at), (error_code, started_at).
"""

import bisect
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from messaging.models import (
    DUE_STATUSES,
    AttemptOutcome,
    Channel,
    ChannelQuota,
    DeliveryAttempt,
    InboundMessage,
    InboundStatus,
    Notification,
    NotificationStatus,
    QuotaUsage,
)
from messaging.outbox.quotas import WINDOW as QUOTA_WINDOW
from messaging.outbox.quotas import quota_limit

S = NotificationStatus
# S.FAILED means "failed on this try, will retry" (the dispatcher picks it up again); S.DEAD is final.
RETRYABLE_STATUSES = (S.FAILED, S.DEAD)
BACKLOG_STATUSES = DUE_STATUSES + (S.SENDING,)
FAILED_ATTEMPT_OUTCOMES = (AttemptOutcome.FAILED, AttemptOutcome.UNDELIVERED)
# A send skipped because its channel is down (breaker open) or spent (63038 quota): trouble for the
# message when no fallback carried it.
CHANNEL_DOWN_SKIP_CODES = ("breaker_open", "quota_spent")
DEGRADED_SKIP_CODE = "degraded"  # messaging.outbox.routing.degraded_skip


def receiptless_channels() -> list[str]:
    """Channels whose acceptance is their final outcome: no delivery receipt ever comes back.

    Email always; with the console backend, every channel (it stands in for Twilio and sends no
    status callbacks).
    """
    if settings.MESSAGING_BACKEND == "console":
        return list(Channel.values)
    return [Channel.EMAIL]


def _answered_and_waiting(since: datetime, until: datetime | None) -> tuple:
    """Sends in [since, until) that answered their message, and sends of messages still not answered.

    Per message, never per send: was the client answered? Answered: the message was delivered (a
    "delivered"/"read" callback, or acceptance on a receiptless channel) — also when a fallback channel
    carried it after WhatsApp failed or was skipped. Not answered: the message met trouble (refused,
    undelivered, or its channel was down: breaker open, quota spent) and still waits for another try;
    the callers add the messages that went dead. "sent" on a channel with receipts, "unknown" and other
    skips are not outcomes. Channel trouble that a fallback absorbed shows in the breakers, the alerts
    and the degradation level instead. Two queries rather than one with a join for both: ~1.6x faster
    at 1M attempts (benchmarks/monitoring_volume.py).
    """
    rows = DeliveryAttempt.objects.filter(started_at__gte=since)
    if until is not None:
        rows = rows.filter(started_at__lt=until)
    answered = rows.filter(
        Q(outcome=AttemptOutcome.DELIVERED) | Q(outcome=AttemptOutcome.SENT, channel__in=receiptless_channels())
    )
    trouble = Q(outcome__in=FAILED_ATTEMPT_OUTCOMES) | Q(
        outcome=AttemptOutcome.SKIPPED, error_code__in=CHANNEL_DOWN_SKIP_CODES
    )
    # A message the degradation level holds back (low priority at "moderate") waits by policy, not by failure:
    # counting its earlier trouble would keep the status degraded, and so the level that holds it, for an hour.
    waiting = rows.filter(trouble, notification__status__in=DUE_STATUSES).exclude(
        notification__last_error_code=DEGRADED_SKIP_CODE)
    return answered, waiting


def _messages(rows) -> int:
    return rows.aggregate(n=Count("notification", distinct=True))["n"]


def _messages_by_hour(rows) -> dict[datetime, int]:
    grouped = rows.annotate(hour=TruncHour("started_at")).values("hour")
    return dict(grouped.annotate(n=Count("notification", distinct=True)).order_by("hour").values_list("hour", "n"))


def final_outcomes(*, since: datetime, until: datetime | None = None) -> dict:
    """Messages answered vs not answered in [since, until): from their sends (started_at index) plus the
    messages that went dead (every channel failed or was unavailable; status/updated_at index)."""
    answered, waiting = _answered_and_waiting(since, until)
    dead = Notification.objects.filter(status=S.DEAD, updated_at__gte=since)
    if until is not None:
        dead = dead.filter(updated_at__lt=until)
    success = _messages(answered)
    failure = _messages(waiting) + dead.count()
    return {"success": success, "failure": failure, "total": success + failure}


def final_outcomes_by_hour(*, since: datetime) -> dict[datetime, dict]:
    """{hour start (aware, current time zone): {"success": n, "failure": n}}: three GROUP BY queries."""
    answered, waiting = _answered_and_waiting(since, None)
    dead = (
        Notification.objects.filter(status=S.DEAD, updated_at__gte=since)
        .annotate(hour=TruncHour("updated_at")).values("hour").annotate(n=Count("pk")).order_by("hour")
        .values_list("hour", "n")
    )
    result: dict[datetime, dict] = {}
    for key, counts in (("success", _messages_by_hour(answered)), ("failure", _messages_by_hour(waiting)),
                        ("failure", dict(dead))):
        for hour, n in counts.items():
            result.setdefault(hour, {"success": 0, "failure": 0})[key] += n
    return result


def attempt_counts(*, since: datetime) -> dict[str, int]:
    """Delivery attempts since ``since`` by outcome (sent = accepted by the provider)."""
    rows = DeliveryAttempt.objects.filter(started_at__gte=since).values("outcome").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(AttemptOutcome.values, 0)
    counts.update({row["outcome"]: row["n"] for row in rows})
    return counts


def _attempts_between(since: datetime, until: datetime | None):
    rows = DeliveryAttempt.objects.filter(started_at__gte=since)
    return rows.filter(started_at__lt=until) if until is not None else rows


def attempt_counts_by_channel(*, since: datetime, until: datetime | None = None) -> dict[str, dict[str, int]]:
    rows = (
        _attempts_between(since, until)
        .values("channel", "outcome").annotate(n=Count("pk")).order_by()
    )
    result = {channel: dict.fromkeys(AttemptOutcome.values, 0) for channel in Channel.values}
    for row in rows:
        result.setdefault(row["channel"], dict.fromkeys(AttemptOutcome.values, 0))[row["outcome"]] = row["n"]
    return result


def error_patterns(*, since: datetime, limit: int = 20) -> list[dict]:
    """Failed attempts grouped by (category, Twilio code): count, first and last seen, channels.

    Ranked by count. Each pattern carries an example support code from a notification that
    failed with that code (one extra query for all patterns together).
    """
    rows = list(
        DeliveryAttempt.objects.filter(started_at__gte=since, outcome__in=FAILED_ATTEMPT_OUTCOMES)
        .values("category", "error_code")
        .annotate(count=Count("pk"), first_seen=Min("started_at"), last_seen=Max("started_at"),
                  channel=Max("channel"))
        .order_by("-count", "error_code")[:limit]
    )
    examples = example_support_codes(codes=[row["error_code"] for row in rows if row["error_code"]], since=since)
    for row in rows:
        row["support_code"] = examples.get(row["error_code"], "")
    return rows


def example_support_codes(*, codes: list[str], since: datetime) -> dict[str, str]:
    if not codes:
        return {}
    rows = (
        Notification.objects.filter(status__in=(S.FAILED, S.DEAD, S.PENDING), updated_at__gte=since)
        .filter(last_error_code__in=codes).exclude(support_code="")
        .values("last_error_code").annotate(example=Max("support_code")).order_by()
    )
    return {row["last_error_code"]: row["example"] for row in rows}


def failed_attempt_counts_by_code(*, since: datetime, until: datetime | None = None) -> dict[str, int]:
    rows = (
        _attempts_between(since, until).filter(outcome__in=FAILED_ATTEMPT_OUTCOMES)
        .values("error_code").annotate(n=Count("pk")).order_by()
    )
    return {row["error_code"]: row["n"] for row in rows}


def failed_attempt_counts_by_category(*, since: datetime) -> dict[str, int]:
    rows = (
        DeliveryAttempt.objects.filter(started_at__gte=since, outcome__in=FAILED_ATTEMPT_OUTCOMES)
        .values("category").annotate(n=Count("pk")).order_by()
    )
    return {row["category"]: row["n"] for row in rows}


def outbox_backlog() -> dict:
    """Messages waiting (new, retrying, being sent) and the oldest due one (the outbox lag).

    Counts by status only, so PostgreSQL answers from the (status, next_attempt_at) index.
    """
    now = timezone.now()
    by_status = dict(
        Notification.objects.filter(status__in=BACKLOG_STATUSES).values("status").annotate(n=Count("pk"))
        .order_by().values_list("status", "n")
    )
    retrying = by_status.get(S.FAILED, 0) + by_status.get(S.UNKNOWN, 0)
    oldest_due = oldest_due_at(now=now)
    return {
        "pending": by_status.get(S.PENDING, 0),
        "retrying": retrying,
        "sending": by_status.get(S.SENDING, 0),
        "oldest_due_at": oldest_due,
        "lag_seconds": max(0.0, (now - oldest_due).total_seconds()) if oldest_due else 0.0,
    }


def oldest_due_at(*, now: datetime | None = None) -> datetime | None:
    """next_attempt_at of the oldest message the dispatcher should already have taken.

    One index lookup per due status on (status, next_attempt_at); a single query with IN would
    walk every due row of the three statuses.
    """
    now = now or timezone.now()
    firsts = [
        Notification.objects.filter(status=status, next_attempt_at__lte=now)
        .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
        for status in DUE_STATUSES
    ]
    return min((at for at in firsts if at is not None), default=None)


def outbox_lag_seconds() -> float:
    now = timezone.now()
    oldest = oldest_due_at(now=now)
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def quota_usage() -> list[dict]:
    """Per phone channel: sends counted in the rolling 24 hours, the limit, and a 63038 spent mark."""
    now = timezone.now()
    limits = {channel: quota_limit(channel) for channel in (Channel.WHATSAPP, Channel.SMS)}
    used = dict(
        QuotaUsage.objects.filter(used_at__gt=now - QUOTA_WINDOW)
        .values("channel").annotate(n=Count("pk")).order_by().values_list("channel", "n")
    )
    spent = dict(ChannelQuota.objects.filter(spent_until__gt=now).values_list("channel", "spent_until"))
    result = []
    for channel, limit in limits.items():
        count = used.get(channel, 0)
        result.append({
            "channel": channel,
            "used": count,
            "limit": limit,
            "percent": round(100 * count / limit, 1) if limit else None,
            "spent_until": spent.get(channel),
            "is_spent": channel in spent or bool(limit and count >= limit),
        })
    return result


def retryable_notification_ids(*, code: str = "", channel: str = "", since: datetime | None = None,
                               limit: int = 10_000) -> list[int]:
    """Failed or dead notifications matching the filters, oldest first (for a bulk requeue)."""
    rows = Notification.objects.filter(status__in=RETRYABLE_STATUSES)
    if code:
        rows = rows.filter(last_error_code=code)
    if channel:
        rows = rows.filter(channel=channel)
    if since:
        rows = rows.filter(updated_at__gte=since)
    return list(rows.order_by("updated_at").values_list("pk", flat=True)[:limit])


def request_updates(*, since: datetime, limit: int = 20) -> dict:
    """Proactive updates: notifications about a service request (subject "request:<id>")."""
    rows = Notification.objects.filter(subject__startswith="request:", created_at__gte=since)
    counts = dict.fromkeys(S.values, 0)
    counts.update({r["status"]: r["n"] for r in rows.values("status").annotate(n=Count("pk")).order_by()})
    latest = list(
        rows.order_by("-created_at").values(
            "pk", "subject", "channel", "status", "language", "created_at", "last_error_code", "support_code"
        )[:limit]
    )
    return {"by_status": counts, "total": sum(counts.values()), "latest": latest}


def inbound_counts(*, since: datetime) -> dict[str, int]:
    rows = InboundMessage.objects.filter(received_at__gte=since).values("status").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(InboundStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def find_support_code(code: str) -> tuple[str, int] | None:
    """The newest messaging row carrying ``code``: ("notification" | "inbound", pk), or None."""
    for kind, model in (("notification", Notification), ("inbound", InboundMessage)):
        pk = model.objects.filter(support_code=code).order_by("-pk").values_list("pk", flat=True).first()
        if pk is not None:
            return kind, pk
    return None


# --- conversations, for the timelines of the back office ------------------------------------------

TIMELINE_LIMIT = 300


def _window_q(field_phone: str, field_at: str, windows) -> Q:
    condition = Q(pk__in=[])
    for phone, since, until in windows:
        part = Q(**{field_phone: phone})
        if since is not None:
            part &= Q(**{f"{field_at}__gte": since})
        if until is not None:
            part &= Q(**{f"{field_at}__lte": until})
        condition |= part
    return condition


def conversation_messages(*, windows, subjects=(), limit: int = TIMELINE_LIMIT) -> dict[str, list[dict]]:
    """Inbound messages from and notifications to the phones of ``windows`` ((phone, since, until), None =
    unbounded) plus notifications about ``subjects`` and the replies to those inbound messages.

    For the timelines of a person or a request: two queries, newest ``limit`` of each.
    """
    inbound = list(
        InboundMessage.objects.filter(_window_q("sender", "received_at", windows)).order_by("-received_at")
        .values("pk", "received_at", "channel", "sender", "body", "media", "status", "attempts", "error",
                "support_code")[:limit]
    )
    replies = [f"inbound:{row['pk']}" for row in inbound]
    outbound = list(
        Notification.objects.filter(
            _window_q("recipient_phone", "created_at", windows) | Q(subject__in=[*subjects, *replies])
        ).order_by("-created_at")
        .values("pk", "created_at", "channel", "recipient_phone", "body", "status", "total_attempts",
                "last_error_code", "last_error", "support_code", "subject", "delivered_at")[:limit]
    )
    return {"inbound": inbound, "outbound": outbound}


FIRST_REPLY_HORIZON = timedelta(hours=1)


def first_reply_seconds(*, since: datetime, until: datetime, limit: int = 20_000) -> list[float]:
    """For each inbound message received in [since, until): seconds until Djobea's first reply to that
    phone was accepted by a channel (``sent_at``), within an hour. Sorted; unanswered messages left out.

    Two queries; the pairing (first reply at or after the message) is done here with a bisect per phone.
    """
    inbound = list(
        InboundMessage.objects.filter(received_at__gte=since, received_at__lt=until)
        .order_by("received_at").values_list("sender", "received_at")[:limit]
    )
    if not inbound:
        return []
    replies: dict[str, list[tuple]] = {}
    rows = (
        Notification.objects.filter(recipient_phone__in={phone for phone, _at in inbound}, sent_at__isnull=False,
                                    created_at__gte=since, created_at__lt=until + FIRST_REPLY_HORIZON)
        .order_by("created_at").values_list("recipient_phone", "created_at", "sent_at")
    )
    for phone, created_at, sent_at in rows:
        replies.setdefault(phone, []).append((created_at, sent_at))
    delays = []
    for phone, received_at in inbound:
        candidates = replies.get(phone, [])
        index = bisect.bisect_left(candidates, (received_at,))
        if index < len(candidates):
            delay = (candidates[index][1] - received_at).total_seconds()
            if delay <= FIRST_REPLY_HORIZON.total_seconds():
                delays.append(max(delay, 0.0))
    return sorted(delays)


def recovered_channels(*, since: datetime) -> list[str]:
    """Channels whose latest success in the window came after their latest failure: they deliver again.

    One GROUP BY over (channel, started_at); a channel with no failure is not "recovered" (nothing to clear).
    """
    success = Q(outcome__in=(AttemptOutcome.SENT, AttemptOutcome.DELIVERED))
    rows = (
        DeliveryAttempt.objects.filter(started_at__gte=since).values("channel")
        .annotate(last_ok=Max("started_at", filter=success),
                  last_failure=Max("started_at", filter=Q(outcome__in=FAILED_ATTEMPT_OUTCOMES)))
        .order_by()
    )
    return [row["channel"] for row in rows
            if row["last_ok"] and row["last_failure"] and row["last_ok"] > row["last_failure"]]


def oldest_waiting() -> dict:
    """The oldest message not yet out (new, retrying, deferred until a channel is back, being sent): when
    it was created and how many wait. Unlike the lag, it counts messages whose next try is in the future."""
    rows = Notification.objects.filter(status__in=BACKLOG_STATUSES)
    first = rows.order_by("created_at").values_list("created_at", flat=True).first()
    return {"created_at": first, "count": rows.count() if first else 0}
