"""Retention: old outbox rows are pruned in bounded batches so the tables stay the size the dashboard needs."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from messaging.channels import get_channel
from messaging.models import Channel, DeliveryAttempt, Notification, NotificationStatus, QuotaUsage, StatusCallback

logger = logging.getLogger(__name__)

# Notifications in these states need nothing more; failed/dead ones stay for staff (dead letters point at them).
# SENT is settled only on a channel without receipts: elsewhere a failure may still be reported or looked up.
SETTLED_STATUSES = (NotificationStatus.DELIVERED, NotificationStatus.READ)
QUOTA_KEEP = timedelta(hours=48)  # the quota window is a rolling 24 hours


def outbox_prune(*, now: datetime | None = None, batch: int = 5000) -> dict[str, int]:
    """Delete up to ``batch`` rows of each kind past retention; returns how many of each went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MESSAGING_RETENTION_DAYS)
    pruned = {
        "quota_usage": _delete_oldest(QuotaUsage.objects.filter(used_at__lt=now - QUOTA_KEEP), batch),
        "status_callbacks": _delete_oldest(StatusCallback.objects.filter(received_at__lt=cutoff), batch),
        "attempts": _delete_oldest(DeliveryAttempt.objects.filter(started_at__lt=cutoff), batch),
        "notifications": _delete_oldest(_settled().filter(updated_at__lt=cutoff), batch),
    }
    if any(pruned.values()):
        logger.info("outbox retention (%s days) pruned %s", settings.MESSAGING_RETENTION_DAYS, pruned)
    return pruned


def _settled():
    without_receipts = [kind for kind in Channel.values if not get_channel(kind).has_receipts]
    return Notification.objects.filter(
        Q(status__in=SETTLED_STATUSES) | Q(status=NotificationStatus.SENT, channel__in=without_receipts)
    )


def _delete_oldest(queryset, batch: int) -> int:
    ids = list(queryset.values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    deleted, _ = queryset.model.objects.filter(pk__in=ids).delete()
    return len(ids) if deleted else 0
