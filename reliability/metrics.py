"""Djobea's Prometheus metrics, declared once. Names follow djobea_<what>_<unit>."""

from prometheus_client import Counter, Histogram

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
