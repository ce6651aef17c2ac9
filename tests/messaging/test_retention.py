from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from messaging.models import (
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    QuotaUsage,
    StatusCallback,
)
from messaging.outbox import enqueue
from messaging.outbox.retention import outbox_prune

pytestmark = pytest.mark.django_db


def _message(key: str, *, status: str, age: timedelta) -> Notification:
    notification = enqueue(key=key, body="Bonjour", phone="+237677000001")
    when = timezone.now() - age
    Notification.objects.filter(pk=notification.pk).update(status=status, updated_at=when)
    DeliveryAttempt.objects.create(notification=notification, channel="whatsapp", outcome=AttemptOutcome.SENT,
                                   started_at=when)
    return notification


def test_prune_drops_settled_messages_past_retention_and_keeps_failures_and_recent_rows(settings):
    settings.MESSAGING_RETENTION_DAYS = 30
    old_delivered = _message("old-delivered", status=NotificationStatus.DELIVERED, age=timedelta(days=31))
    old_dead = _message("old-dead", status=NotificationStatus.DEAD, age=timedelta(days=31))
    recent = _message("recent", status=NotificationStatus.DELIVERED, age=timedelta(days=29))
    QuotaUsage.objects.create(channel="whatsapp", used_at=timezone.now() - timedelta(hours=49))
    fresh_quota = QuotaUsage.objects.create(channel="whatsapp", used_at=timezone.now() - timedelta(hours=23))
    StatusCallback.objects.create(provider_sid="SM1", status="delivered",
                                  received_at=timezone.now() - timedelta(days=31))

    pruned = outbox_prune()

    assert pruned == {"quota_usage": 1, "status_callbacks": 1, "attempts": 2, "notifications": 1}
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_dead.pk, recent.pk}
    assert not Notification.objects.filter(pk=old_delivered.pk).exists()
    assert list(QuotaUsage.objects.values_list("pk", flat=True)) == [fresh_quota.pk]
    assert DeliveryAttempt.objects.filter(notification=recent).count() == 1
    assert outbox_prune() == {"quota_usage": 0, "status_callbacks": 0, "attempts": 0, "notifications": 0}


def test_prune_is_an_hourly_schedule():
    assert Schedule.objects.filter(name="djobea:outbox-prune", func="messaging.tasks.outbox_prune_task",
                                   minutes=60).exists()
