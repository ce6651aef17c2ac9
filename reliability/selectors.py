"""Reads of the reliability tables for the other apps' admin pages (timelines, related links)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from reliability.models import DeadLetter, ErrorEvent, ReliabilityReport
from reliability.monitoring.status import success_rate


def error_event_ids(codes: Iterable[str]) -> dict[str, int]:
    """{support code: ErrorEvent pk} for the codes that have an event (one query)."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return dict(ErrorEvent.objects.filter(support_code__in=codes).values_list("support_code", "pk"))


def dead_letter_ids(kind: str, object_ids: Iterable) -> dict[str, int]:
    """{object id: pk of its newest dead letter} for the objects of ``kind`` that were dead-lettered (one query)."""
    ids = {str(object_id) for object_id in object_ids}
    if not ids:
        return {}
    rows = DeadLetter.objects.filter(kind=kind, object_id__in=ids).order_by("created_at")
    return dict(rows.values_list("object_id", "pk"))


def reports_since(*, since: datetime | None, limit: int = 24 * 31) -> list[ReliabilityReport]:
    rows = ReliabilityReport.objects.order_by("-hour")
    if since is not None:
        rows = rows.filter(hour__gte=since)
    return list(rows[:limit])


def daily_rates(*, days: int = 7, now: datetime | None = None) -> list[dict]:
    """Per local day of the last ``days``: messages, failures and success rate from the hourly reports."""
    today = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    buckets = []
    for offset in range(days - 1, -1, -1):
        start = today - timedelta(days=offset)
        sums = ReliabilityReport.objects.filter(hour__gte=start, hour__lt=start + timedelta(days=1)).aggregate(
            total=Sum("messages_total"), failed=Sum("messages_failed"))
        total, failed = sums["total"] or 0, sums["failed"] or 0
        buckets.append({"day": start, "label": start.strftime("%d/%m"), "total": total, "failure": failed,
                        "rate": success_rate(total - failed, total)})
    return buckets
