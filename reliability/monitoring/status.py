"""The delivery status class: Healthy ≥ 90 %, Degraded ≥ 70 %, Critical below, Idle under a minimum sample.

Counted on final outcomes over the last hour (delivered/read vs failed/dead), never on API
acceptance. An idle system is Idle, never Critical.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HEALTHY_AT = Decimal("90")
DEGRADED_AT = Decimal("70")


class StatusClass(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    DEGRADED = "degraded", _("Degraded")
    CRITICAL = "critical", _("Critical")
    IDLE = "idle", _("Idle")


def success_rate(success: int, total: int) -> Decimal | None:
    """Percentage with one decimal, rounded down so 89.95 % never shows as (and counts as) 90 %."""
    if not total:
        return None
    return (Decimal(100 * success) / Decimal(total)).quantize(Decimal("0.1"), rounding="ROUND_DOWN")


def status_class(success: int, total: int, *, min_sample: int | None = None) -> str:
    min_sample = settings.MONITORING_MIN_SAMPLE if min_sample is None else min_sample
    if total < max(min_sample, 1):
        return StatusClass.IDLE
    exact = Decimal(100 * success) / Decimal(total)
    if exact >= HEALTHY_AT:
        return StatusClass.HEALTHY
    if exact >= DEGRADED_AT:
        return StatusClass.DEGRADED
    return StatusClass.CRITICAL


def delivery_status(*, now: datetime | None = None, window: timedelta = timedelta(hours=1)) -> dict:
    from messaging.selectors import final_outcomes

    now = now or timezone.now()
    counts = final_outcomes(since=now - window)
    status = status_class(counts["success"], counts["total"])
    return {
        "status": status,
        "label": str(StatusClass(status).label),
        "success_rate": success_rate(counts["success"], counts["total"]),
        "delivered": counts["success"],
        "failed": counts["failure"],
        "total": counts["total"],
        "min_sample": settings.MONITORING_MIN_SAMPLE,
        "since": now - window,
    }
