"""Djobea's Prometheus metrics, declared once. Names follow djobea_<what>_<unit>."""

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

SENDS = Counter(
    "djobea_notification_sends_total", "Send attempts by channel and outcome", ["channel", "outcome"]
)
PROVIDER_ERRORS = Counter(
    "djobea_provider_errors_total", "Errors returned by messaging providers, by channel and code", ["channel", "code"]
)
WEBHOOK_LATENCY = Histogram(
    "djobea_webhook_latency_seconds", "Time to answer a Twilio webhook", ["webhook"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
# AI intake parser (marketplace.intake.llm): latency by outcome ("ok" | "fallback"), fallbacks by reason
# ("timeout", "http_error", "connection_error", "bad_json", "breaker_open", "not_configured").
AI_PARSE_SECONDS = Histogram(
    "djobea_ai_parse_seconds", "Time the AI intake parser took, by outcome", ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 12),
)
AI_FALLBACKS = Counter(
    "djobea_ai_fallbacks_total", "AI intake parses that fell back to the rules parser, by reason", ["reason"]
)


# --- Database figures, computed at scrape time -------------------------------------------------
# Backlog, lag, dead letters, breaker states and the degradation level live in the database, so
# every process reports the same figure; per-process gauges would disagree across workers. The
# figures of other apps (messaging: the outbox backlog and lag) come from the collectors they
# register in their AppConfig.ready, the way they register redrive handlers.

MetricsCollector = Callable[[], Iterable[Metric]]
_collectors: dict[str, MetricsCollector] = {}


def register_metrics_collector(name: str, collector: MetricsCollector) -> None:
    """An app adds database figures it owns: ``collector()`` yields metric families at each scrape.
    Registering a name again replaces its collector."""
    _collectors[name] = collector

BREAKER_STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}


class DjobeaCollector(Collector):
    """Reads a few indexed aggregates on each scrape (a handful of cheap queries)."""

    def collect(self):
        try:
            families = list(_database_families())
            for collector in _collectors.values():
                families += collector()
        except DatabaseError as exc:
            logger.error("metrics scrape could not read the database: %s", exc)
            families = []
        up = GaugeMetricFamily("djobea_database_metrics_up", "1 if the database figures below were read")
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families


def _database_families():
    from reliability.degradation import ORDER, current_level
    from reliability.models import Alert, AlertStatus, BreakerForce, CircuitBreaker, DeadLetter

    breaker = GaugeMetricFamily(
        "djobea_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open (forced open = 2)",
        labels=["name"],
    )
    for name, state, forced in CircuitBreaker.objects.values_list("name", "state", "forced"):
        value = 2 if forced == BreakerForce.FORCED_OPEN else 0 if forced else BREAKER_STATE_VALUES.get(state, 0)
        breaker.add_metric([name], value)
    yield breaker

    dead = GaugeMetricFamily("djobea_dead_letters", "Dead letters not yet redriven, by kind", labels=["kind"])
    for kind, count in DeadLetter.objects.filter(redriven_at__isnull=True).values_list("kind").annotate(
        n=Count("pk")
    ).order_by():
        dead.add_metric([kind], count)
    yield dead

    yield GaugeMetricFamily(
        "djobea_degradation_level", "Degradation level: 0 normal … 4 critical", value=ORDER.index(current_level())
    )
    alerts = GaugeMetricFamily("djobea_alerts_open", "Open or acknowledged alerts, by severity", labels=["severity"])
    for severity, count in Alert.objects.exclude(status=AlertStatus.RESOLVED).values_list("severity").annotate(
        n=Count("pk")
    ).order_by():
        alerts.add_metric([severity], count)
    yield alerts


DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
DATABASE_REGISTRY.register(DjobeaCollector())


def metrics_view(request):
    """``/metrics``: process metrics (merged across processes when PROMETHEUS_MULTIPROC_DIR is set)
    followed by the database figures.

    django-prometheus 2.5's own view, in multiprocess mode, builds a registry holding only the
    MultiProcessCollector; the path comes from settings here so the Django setting is the switch.
    """
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(DATABASE_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
