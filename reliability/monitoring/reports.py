"""Reliability reports: one ``ReliabilityReport`` per hour, and a daily summary email to staff.

Written by the schedule ``djobea:reliability-report`` (every hour, the last full hour plus any hour of
the last day that has no report yet) and by ``manage.py reliability_report [--hour ISO-8601]``. Writing
an hour again rewrites its report: the same hour twice is one report. The daily summary
(``djobea:reliability-daily``, 07:00 Africa/Douala) emails ``STAFF_ALERT_EMAILS`` how yesterday went,
once per day however many nodes run the schedule (a conditional UPDATE claims the sending).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from marketplace import selectors as market
from messaging import selectors as messaging
from reliability.errors import record_error
from reliability.models import CircuitBreaker, DeadLetter, ReliabilityReport
from reliability.monitoring.status import success_rate

logger = logging.getLogger(__name__)
HOUR = timedelta(hours=1)


def hour_start(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * fraction // 1))  # ceil without floats drifting
    return round(sorted_values[int(rank) - 1], 1)


def _is_live(hour: datetime) -> bool:
    """Written within the hour after the one it covers: the schedule's normal run, not a backfill."""
    return timezone.now() < hour + 2 * HOUR


def _breaker_openings(hour: datetime, counts: dict[str, int]) -> dict[str, int]:
    """Openings in the hour: the rise of each breaker's open counter since the previous hour's live report;
    without one (a backfill), the breakers whose latest opening falls in the hour (a lower bound)."""
    previous = ReliabilityReport.objects.filter(hour=hour - HOUR).values_list("figures", flat=True).first() or {}
    if _is_live(hour) and "breaker_open_counts" in previous:
        before = previous["breaker_open_counts"]
        return {name: n - before.get(name, 0) for name, n in counts.items() if n > before.get(name, 0)}
    opened = CircuitBreaker.objects.filter(opened_at__gte=hour, opened_at__lt=hour + HOUR)
    return dict.fromkeys(opened.values_list("name", flat=True), 1)


def report_figures(hour: datetime) -> dict:
    """Every figure of the hour starting at ``hour``, JSON-ready."""
    until = hour + HOUR
    outcomes = messaging.final_outcomes(since=hour, until=until)
    delays = messaging.first_reply_seconds(since=hour, until=until)
    letters = DeadLetter.objects.aggregate(
        created=Count("pk", filter=Q(created_at__gte=hour, created_at__lt=until)),
        redriven=Count("pk", filter=Q(redriven_at__gte=hour, redriven_at__lt=until)),
    )
    rate = success_rate(outcomes["success"], outcomes["total"])
    counts = dict(CircuitBreaker.objects.values_list("name", "open_count"))
    figures = {
        "delivery": {**outcomes, "success_rate": float(rate) if rate is not None else None},
        "sends_by_channel": messaging.attempt_counts_by_channel(since=hour, until=until),
        "errors_by_code": messaging.failed_attempt_counts_by_code(since=hour, until=until),
        "breaker_openings": _breaker_openings(hour, counts),
        "dead_letters_created": letters["created"],
        "dead_letters_redriven": letters["redriven"],
        "first_reply": {"answered": len(delays), "p50_seconds": percentile(delays, 0.5),
                        "p95_seconds": percentile(delays, 0.95)},
        "marketplace": market.marketplace_figures(since=hour, until=until),
    }
    if _is_live(hour):  # the counters now are the counters at the end of this hour: the next hour's base
        figures["breaker_open_counts"] = counts
    return figures


def report_write(*, hour: datetime) -> ReliabilityReport:
    """Write (or rewrite) the report of the hour containing ``hour``."""
    hour = hour_start(hour)
    figures = report_figures(hour)
    delivery = figures["delivery"]
    report, _created = ReliabilityReport.objects.update_or_create(hour=hour, defaults={
        "messages_total": delivery["total"], "messages_failed": delivery["failure"],
        "success_rate": delivery["success_rate"], "dead_letters_created": figures["dead_letters_created"],
        "first_reply_p95_seconds": figures["first_reply"]["p95_seconds"], "figures": figures,
    })
    logger.info("reliability report %s written: %s messages, %s%% delivered", report, delivery["total"],
                delivery["success_rate"])
    return report


def reports_write_due(*, now: datetime | None = None) -> int:
    """The schedule: the last full hour, and any hour of the last 24 without a report (after downtime)."""
    last = hour_start(now or timezone.now()) - HOUR
    hours = [last - i * HOUR for i in range(24)]
    have = set(ReliabilityReport.objects.filter(hour__in=hours[1:]).values_list("hour", flat=True))
    due = [hour for hour in hours if hour == last or hour not in have]
    for hour in sorted(due):
        report_write(hour=hour)
    return len(due)


def day_totals(reports: list[ReliabilityReport]) -> dict:
    """The figures of several hourly reports added up (rates recomputed, not averaged)."""
    totals = {"messages": sum(r.messages_total for r in reports), "failed": sum(r.messages_failed for r in reports),
              "dead_letters": sum(r.dead_letters_created for r in reports), "errors_by_code": {},
              "breaker_openings": {}, "hours": len(reports)}
    for report in reports:
        for key in ("errors_by_code", "breaker_openings"):
            for name, n in report.figures.get(key, {}).items():
                totals[key][name] = totals[key].get(name, 0) + n
    totals["success_rate"] = success_rate(totals["messages"] - totals["failed"], totals["messages"])
    p95s = [r.first_reply_p95_seconds for r in reports if r.first_reply_p95_seconds is not None]
    totals["worst_first_reply_p95_seconds"] = max(p95s, default=None)
    return totals


def daily_summary_send(*, now: datetime | None = None) -> bool:
    """Email yesterday's summary (Africa/Douala days) to STAFF_ALERT_EMAILS, once. True when sent now."""
    today = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=1)
    reports_write_due(now=today)  # the day's last hours may not have their report yet
    last = ReliabilityReport.objects.get(hour=today - HOUR)
    if not settings.STAFF_ALERT_EMAILS:
        return False
    claimed = ReliabilityReport.objects.filter(pk=last.pk, summary_sent_at__isnull=True).update(
        summary_sent_at=timezone.now())
    if not claimed:
        return False
    reports = list(ReliabilityReport.objects.filter(hour__gte=start, hour__lt=today).order_by("hour"))
    context = {"day": start, "totals": day_totals(reports), "reports": reports}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("reliability/daily_summary_subject.txt", context).strip()
        body = render_to_string("reliability/daily_summary.txt", context)
    try:
        send_mail(subject, body, None, settings.STAFF_ALERT_EMAILS, fail_silently=False)
    except OSError as exc:  # SMTP errors are OSError subclasses: free the claim so the next run tries again
        ReliabilityReport.objects.filter(pk=last.pk).update(summary_sent_at=None)
        record_error(category="reports", message=f"daily summary not sent: {exc}", exc=exc,
                     subject=f"report:{last.pk}")
        raise
    return True
