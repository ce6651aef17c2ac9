"""What messaging adds to reliability's readiness checks and /metrics (registered in MessagingConfig.ready)."""

import dataclasses
import datetime

from django.conf import settings
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from prometheus_client.core import GaugeMetricFamily

from messaging.selectors import outbox_backlog, outbox_lag_seconds
from messaging.twilio_config import CHECK_BUDGET_SECONDS
from reliability.health import SyncCheck


@dataclasses.dataclass
class OutboxLag(SyncCheck):
    """The oldest due message's wait: a warning past OUTBOX_LAG_WARNING_SECONDS, an outage past the critical one."""

    def check(self):
        lag = outbox_lag_seconds()
        if lag >= settings.OUTBOX_LAG_CRITICAL_SECONDS:
            raise ServiceUnavailable(f"oldest due message waits for {lag:.0f} s")
        if lag >= settings.OUTBOX_LAG_WARNING_SECONDS:
            raise ServiceWarning(f"oldest due message waits for {lag:.0f} s")


def outbox_metrics():
    backlog = outbox_backlog()
    family = GaugeMetricFamily(
        "djobea_outbox_backlog_messages", "Outbox messages waiting, by status", labels=["status"]
    )
    for status in ("pending", "retrying", "sending"):
        family.add_metric([status], backlog[status])
    yield family
    yield GaugeMetricFamily(
        "djobea_outbox_lag_seconds", "Age of the oldest due message in the outbox", value=backlog["lag_seconds"]
    )


@dataclasses.dataclass
class TwilioConfiguration(SyncCheck):
    """Credentials and senders checked at Twilio (cached): a wrong sender is a warning, announced at start."""

    timeout = datetime.timedelta(seconds=CHECK_BUDGET_SECONDS)  # the lookups' own timeouts fire first

    def check(self):
        from messaging.twilio_config import twilio_config_status

        status = twilio_config_status()
        if status["problems"]:
            raise ServiceWarning(" ".join(status["problems"]))
