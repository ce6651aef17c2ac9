"""Row builders for the monitoring tests: notifications, delivery attempts, breakers, dead letters."""

import itertools
from datetime import timedelta

from django.utils import timezone

from messaging.models import DeliveryAttempt, Notification, NotificationStatus
from reliability.models import CircuitBreaker, DeadLetter

_seq = itertools.count(1)


def make_notification(**overrides) -> Notification:
    n = next(_seq)
    fields = {
        "idempotency_key": f"mon-test-{n}", "recipient_phone": f"+2376{n + 90000000:08d}", "body": "Bonjour",
        "channels": ["whatsapp", "sms"], "channel": "whatsapp", "status": NotificationStatus.SENT, **overrides,
    }
    return Notification.objects.create(**fields)


# The status a message is left in after an attempt with this outcome (the status counts messages).
STATUS_AFTER = {"delivered": "delivered", "sent": "sent", "failed": "failed", "undelivered": "failed",
                "skipped": "pending", "unknown": "unknown"}


def make_attempts(count: int, *, outcome: str, channel: str = "whatsapp", code: str = "", category: str = "",
                  ago: timedelta = timedelta(minutes=5), notification: Notification | None = None) -> list:
    """``count`` delivery attempts started ``ago``, one message each (bulk insert) unless ``notification``
    is given; each message is left in the status that outcome leads to (a failed one waits for a retry)."""
    if notification is None:
        keys = [f"mon-bulk-{next(_seq)}" for _ in range(count)]
        Notification.objects.bulk_create(
            Notification(idempotency_key=key, recipient_phone="+237690000000", body="Bonjour", channels=[channel],
                         channel=channel, status=STATUS_AFTER[outcome]) for key in keys
        )
        parents = list(Notification.objects.filter(idempotency_key__in=keys).order_by("pk"))
    else:
        parents = [notification] * count
    started = timezone.now() - ago
    rows = [
        DeliveryAttempt(notification=parent, channel=channel, started_at=started, outcome=outcome,
                        error_code=code, category=category)
        for parent in parents
    ]
    return DeliveryAttempt.objects.bulk_create(rows)


def open_breaker(name: str) -> CircuitBreaker:
    row, _ = CircuitBreaker.objects.update_or_create(
        name=name, defaults={"state": "open", "opened_at": timezone.now(), "open_count": 1}
    )
    return row


def make_dead_letter(**overrides) -> DeadLetter:
    n = next(_seq)
    fields = {"kind": "notification", "object_id": str(10_000 + n), "reason": "recipient",
              "support_code": f"DJB-T{n:05d}", **overrides}
    return DeadLetter.objects.create(**fields)
