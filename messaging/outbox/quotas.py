"""Daily send quotas per channel: rolling 24 hours, counted BEFORE calling the provider.

Several dispatchers stay correct because each reservation locks the channel's ``ChannelQuota``
row, counts the window and inserts one ``QuotaUsage`` in the same short transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from messaging.channels import channel_spec
from messaging.models import ChannelQuota, Priority, QuotaUsage

WINDOW = timedelta(hours=24)
SPENT_CACHE_KEY = "djobea:quota-spent-until"
SPENT_CACHE_SECONDS = 1


@dataclass(frozen=True)
class QuotaDecision:
    allowed: bool
    usage_id: int | None = None
    until: datetime | None = None
    exhausted: bool = False  # True: nothing left (or 63038); False: kept for high priority
    reason: str = ""


def quota_limit(channel: str) -> int | None:
    return channel_spec(channel).daily_limit


def quota_reserve(*, channel: str, notification_id: int, priority: int, now: datetime | None = None) -> QuotaDecision:
    """Take one unit of ``channel``'s quota for this notification, or say until when to wait."""
    now = now or timezone.now()
    limit = quota_limit(channel)
    if limit is None:  # unlimited: only a 63038 mark can stop us, and reading it needs no lock
        spent_until = _spent_until(channel, now)
        if spent_until:
            return QuotaDecision(False, until=spent_until, exhausted=True, reason="quota spent (63038)")
        return QuotaDecision(True)
    ChannelQuota.objects.get_or_create(channel=channel)
    with transaction.atomic():
        row = ChannelQuota.objects.select_for_update().get(channel=channel)
        if row.spent_until and row.spent_until > now:
            return QuotaDecision(False, until=row.spent_until, exhausted=True, reason="quota spent (63038)")
        window = QuotaUsage.objects.filter(channel=channel, used_at__gt=now - WINDOW)
        used = window.count()
        if used >= limit:
            reason = f"daily limit {limit} reached"
            return QuotaDecision(False, until=_frees_at(window, now), exhausted=True, reason=reason)
        if priority < Priority.HIGH and limit - used <= limit * settings.MESSAGING_QUOTA_RESERVE:
            reason = f"quota low ({limit - used}/{limit} left): kept for high-priority messages"
            return QuotaDecision(False, until=_frees_at(window, now), exhausted=False, reason=reason)
        usage = QuotaUsage.objects.create(channel=channel, used_at=now, notification_id=notification_id)
    return QuotaDecision(True, usage_id=usage.pk)


def _spent_until(channel: str, now: datetime) -> datetime | None:
    """The channel's 63038 mark, read at most every SPENT_CACHE_SECONDS per channel (every send asks)."""
    spent_until = caches["local"].get_or_set(f"{SPENT_CACHE_KEY}:{channel}", lambda: _read_spent_until(channel),
                                   SPENT_CACHE_SECONDS)
    return spent_until if spent_until and spent_until > now else None


def _read_spent_until(channel: str) -> datetime | None:
    return ChannelQuota.objects.filter(channel=channel).values_list("spent_until", flat=True).first()


def _frees_at(window, now: datetime) -> datetime:
    oldest = window.order_by("used_at").values_list("used_at", flat=True).first()
    return (oldest + WINDOW) if oldest else now


def quota_release(*, usage_id: int | None) -> None:
    """Give back a unit when the provider certainly did not take the message."""
    if usage_id:
        QuotaUsage.objects.filter(pk=usage_id).delete()


def quota_mark_spent(*, channel: str, until: datetime | None = None) -> datetime:
    """A 63038 from the provider: the channel is spent until the rolling window frees up (by our own
    count of the sends in the window; 24 hours from now when we counted none)."""
    now = timezone.now()
    until = until or _frees_at(QuotaUsage.objects.filter(channel=channel, used_at__gt=now - WINDOW), now + WINDOW)
    ChannelQuota.objects.update_or_create(channel=channel, defaults={"spent_until": until})
    caches["local"].delete(f"{SPENT_CACHE_KEY}:{channel}")
    return until

