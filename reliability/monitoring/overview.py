"""Everything the dashboard and the monitoring API show, computed once per request.

Reads other apps only through messaging.selectors and marketplace.selectors. Every part is a
bounded aggregate (see benchmarks/monitoring_volume.py for the query count and timings).
"""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from marketplace import selectors as market
from messaging import selectors as messaging
from messaging.twilio_config import twilio_config_status as messaging_twilio_config
from reliability import alerts, background, degradation, health
from reliability.breakers import NAMES as BREAKER_NAMES
from reliability.models import BreakerForce, BreakerState, CircuitBreaker, DeadLetter, ErrorEvent
from reliability.monitoring import links
from reliability.monitoring.recommendations import recommend
from reliability.monitoring.status import delivery_status, success_rate


def breakers() -> list[dict]:
    rows = {b.name: b for b in CircuitBreaker.objects.all()}
    result = []
    for name in sorted(set(BREAKER_NAMES) | set(rows)):
        row = rows.get(name)
        state = row.state if row else BreakerState.CLOSED
        forced = row.forced if row else BreakerForce.NONE
        result.append({
            "name": name,
            "state": state,
            "forced": forced,
            "is_open": forced == BreakerForce.FORCED_OPEN or (forced != BreakerForce.DISABLED and state != "closed"),
            "opened_at": row.opened_at if row else None,
            "open_count": row.open_count if row else 0,
            "last_failure": row.last_failure if row else "",
        })
    return result


def quick_stats(*, now: datetime, chart: list[dict] | None = None) -> dict:
    """24-hour figures; the final outcomes are summed from the chart's hours when it is at hand."""
    day = now - timedelta(hours=24)
    attempts = messaging.attempt_counts(since=day)
    if chart is None:
        finals = messaging.final_outcomes(since=day)
    else:
        finals = {"success": sum(b["success"] for b in chart), "failure": sum(b["failure"] for b in chart)}
    backlog = messaging.outbox_backlog()
    waiting = messaging.oldest_waiting()
    return {
        "sent_24h": attempts["sent"],
        "delivered_24h": finals["success"],
        "failed_24h": finals["failure"],
        "active_requests": market.active_request_count(),
        "pending": backlog["pending"],
        "pending_retries": backlog["retrying"],
        "dead_letters_open": DeadLetter.objects.filter(redriven_at__isnull=True).count(),
        "oldest_due_at": backlog["oldest_due_at"],
        "outbox_lag_seconds": round(backlog["lag_seconds"], 1),
        "waiting": waiting["count"],
        "oldest_waiting_at": waiting["created_at"],
        "links": {
            "sent_24h": links.attempts(outcome="sent", started_at__gte=day),
            "delivered_24h": links.attempts(outcome__in="delivered,sent", started_at__gte=day),
            "failed_24h": links.attempts(outcome__in="failed,undelivered", started_at__gte=day),
            "active_requests": links.requests(status__in=",".join(market.OPEN_STATUSES)),
            "pending": links.notifications(status="pending"),
            "pending_retries": links.notifications(status__in="failed,unknown"),
            "dead_letters_open": links.changelist("reliability", "deadletter", redriven_at__isnull="True"),
        },
    }


def quotas(*, now: datetime) -> list[dict]:
    """Quota rows with the sends of the last 24 hours, so an unlimited channel still shows its traffic."""
    sent = messaging.attempt_counts_by_channel(since=now - timedelta(hours=24))
    return [{**row, "sent_24h": sent.get(row["channel"], {}).get("sent", 0)} for row in messaging.quota_usage()]


def chart_buckets(*, now: datetime) -> list[dict]:
    start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    by_hour = messaging.final_outcomes_by_hour(since=start)
    buckets = []
    for i in range(24):
        hour = start + timedelta(hours=i)
        row = by_hour.get(hour, {"success": 0, "failure": 0})
        total = row["success"] + row["failure"]
        buckets.append({"hour": hour, "label": timezone.localtime(hour).strftime("%Hh"),
                        "success": row["success"], "failure": row["failure"], "total": total,
                        "rate": success_rate(row["success"], total)})
    return buckets


def error_patterns(*, now: datetime) -> list[dict]:
    since = now - timedelta(hours=24)
    rows = messaging.error_patterns(since=since)
    for row in rows:
        row["link"] = links.attempts(error_code=row["error_code"], outcome__in="failed,undelivered",
                                     started_at__gte=since)
        row["support_link"] = _support_link(row["support_code"])
    return rows


def _support_link(code: str) -> str:
    return f"{reverse('monitoring:support-code')}?{urlencode({'q': code})}" if code else ""


def ai_timeout_ratio(*, since: datetime) -> float | None:
    """Share of AI parses that timed out; parses ≈ inbound messages (one parse per client message)."""
    if settings.AI_BACKEND != "llm":
        return None
    timeouts = ErrorEvent.objects.filter(category="ai", created_at__gte=since, context__reason="timeout").count()
    inbound = sum(messaging.inbound_counts(since=since).values())
    return timeouts / max(inbound, timeouts, 1)


def recommendation_facts(*, now: datetime, open_breakers: list[str] | None = None) -> dict:
    hour = now - timedelta(hours=1)
    return {
        "codes": messaging.failed_attempt_counts_by_code(since=hour),
        "categories": messaging.failed_attempt_counts_by_category(since=hour),
        "ai_timeout_ratio": ai_timeout_ratio(since=hour),
        "dead_letters_last_hour": health.dead_letters_last_hour(),
        "dead_letter_threshold": settings.DEAD_LETTER_GROWTH_THRESHOLD,
        "heartbeat_ok": health.heartbeat_ok(),
        "open_breakers": open_breakers if open_breakers is not None else degradation.open_breakers(),
        "recovered": messaging.recovered_channels(since=hour),
    }


def dead_letters(*, limit: int = 5) -> dict:
    rows = DeadLetter.objects.filter(redriven_at__isnull=True).order_by("-created_at")
    return {
        "latest": list(rows.values("pk", "kind", "object_id", "reason", "error_code", "support_code",
                                   "created_at")[:limit]),
        "link": links.changelist("reliability", "deadletter", redriven_at__isnull="True"),
    }


def background_work() -> dict:
    """Failed django-q2 tasks (alert task-failures) and late schedules (alert schedules-late)."""
    failures = background.task_failures()
    return {
        "task_failures": failures["count"],
        "task_failures_by_func": failures["by_func"],
        "latest_failure": failures["latest"],
        "late_schedules": background.late_schedules(),
        "window_minutes": settings.TASK_FAILURE_WINDOW_MINUTES,
        "links": {"failures": links.changelist("django_q", "failure"),
                  "schedules": links.changelist("django_q", "schedule")},
    }


def health_summary() -> dict:
    """The small part of the dashboard the health endpoint needs (no 24-hour aggregates)."""
    status = delivery_status()
    return {
        "background": background_work(),
        "twilio": messaging_twilio_config(),
        "delivery": status,
        "degradation": degradation.current_state(),
        "heartbeat_age_seconds": health.heartbeat_age_seconds(),
        "breakers": breakers(),
    }


def dashboard_data(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    breaker_rows = breakers()
    blocking = [b["name"] for b in breaker_rows if degradation.blocks_calls(b["state"], b["forced"])]
    facts = recommendation_facts(now=now, open_breakers=blocking)
    status = delivery_status(now=now)
    chart = chart_buckets(now=now)
    figures = market.marketplace_figures(since=now - timedelta(hours=24))
    status["link"] = links.attempts(outcome__in="delivered,sent,failed,undelivered", started_at__gte=status["since"])
    return {
        "generated_at": now,
        "status": status,
        "quick_stats": quick_stats(now=now, chart=chart),
        "alerts": alerts.open_alerts(),
        "alerts_link": links.changelist("reliability", "alert", status__in="open,acknowledged"),
        "breakers": breaker_rows,
        "degradation": degradation.current_state(),
        "quotas": quotas(now=now),
        "error_patterns": error_patterns(now=now),
        "recommendations": recommend(facts),
        "attention": market.requests_needing_attention(),
        "chart": chart,
        "heartbeat_age_seconds": health.heartbeat_age_seconds(),
        "heartbeat_ok": facts["heartbeat_ok"],
        "background": background_work(),
        "twilio": messaging_twilio_config(),
        "marketplace": figures,
        "match_levels": [{"level": level, "label": label, "count": figures["by_match_level"].get(level, 0)}
                         for level, label in market.match_level_labels()],
        "dead_letters": dead_letters(),
        "refresh_seconds": settings.MONITORING_REFRESH_SECONDS,
        "links": {
            "breakers": links.changelist("reliability", "circuitbreaker"),
            "quotas": links.changelist("messaging", "channelquota"),
            "degradation": links.changelist("reliability", "degradationstate"),
            "escalated": links.requests(status="escalated"),
            "searching": links.requests(status__in="searching,offered"),
            "offers": links.changelist("marketplace", "provideroffer", status="pending"),
            "requests_24h": links.requests(created_at__gte=now - timedelta(hours=24)),
        },
    }


def status_vs_degradation(status: dict, level: str) -> str:
    """Why the delivery status can read well while the degradation level does not (or the reverse)."""
    if level == "normal" or status["status"] not in ("healthy", "idle"):
        return ""
    if status["status"] == "idle":
        return _("Too few messages in the last hour to judge delivery; the degradation level comes from the "
                 "breakers, the task cluster and the outbox, below.")
    return _("Clients are answered (a fallback channel carries the messages), but a channel or a component is "
             "in trouble: that is what the degradation level says.")


def describe_status(status: dict) -> str:
    if status["status"] == "idle":
        return _("Fewer than %(n)s final outcomes in the last hour.") % {"n": status["min_sample"]}
    return _("%(rate)s %% of %(total)s messages delivered in the last hour.") % {
        "rate": number_format(status["success_rate"], 1), "total": status["total"]}
