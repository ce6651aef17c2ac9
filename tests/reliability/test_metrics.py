"""/metrics: Prometheus text that parses, Djobea's database figures, counters merged across processes."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from reliability import metrics
from reliability.degradation import degradation_set
from tests.reliability.monitoring_support import make_dead_letter, make_notification, open_breaker

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

SENDER = """
import sys, django
django.setup()
from reliability import metrics
for _ in range(int(sys.argv[1])):
    metrics.SENDS.labels(channel="whatsapp", outcome="sent").inc()
metrics.PROVIDER_ERRORS.labels(channel="whatsapp", code="63007").inc()
"""


def _samples(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_database_figures_at_scrape_time(client, staff_user):
    open_breaker("whatsapp")
    make_notification(status="pending", next_attempt_at=timezone.now() - timedelta(seconds=90))
    make_notification(status="failed", next_attempt_at=timezone.now() + timedelta(minutes=5))
    make_dead_letter(kind="notification")
    make_dead_letter(kind="inbound")
    degradation_set(level="severe", reason="test", user=staff_user)
    samples = _samples(client)
    assert samples[("djobea_breaker_state", (("name", "whatsapp"),))] == 2
    assert samples[("djobea_outbox_backlog_messages", (("status", "pending"),))] == 1
    assert samples[("djobea_outbox_backlog_messages", (("status", "retrying"),))] == 1
    assert samples[("djobea_outbox_lag_seconds", ())] >= 90
    assert samples[("djobea_dead_letters", (("kind", "inbound"),))] == 1
    assert samples[("djobea_degradation_level", ())] == 3
    assert samples[("djobea_database_metrics_up", ())] == 1
    assert any(name.startswith("django_http_requests") for name, _labels in samples)


def test_counters_in_this_process(client):
    key = ("djobea_notification_sends_total", (("channel", "sms"), ("outcome", "failed")))
    before = _samples(client).get(key, 0)
    metrics.SENDS.labels(channel="sms", outcome="failed").inc(2)
    assert _samples(client)[key] == before + 2


def test_counters_from_two_processes_are_summed(client, settings, tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "djobea.settings"}
    for count in (3, 4):
        subprocess.run([sys.executable, "-c", SENDER, str(count)], cwd=ROOT, env=env, check=True, timeout=60)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    samples = _samples(client)
    assert samples[("djobea_notification_sends_total", (("channel", "whatsapp"), ("outcome", "sent")))] == 7
    assert samples[("djobea_provider_errors_total", (("channel", "whatsapp"), ("code", "63007")))] == 2
    assert ("djobea_breaker_state", (("name", "whatsapp"),)) not in samples  # no row yet, but the family is there
    assert samples[("djobea_database_metrics_up", ())] == 1


DISPATCHER = """
import django
django.setup()
from messaging.outbox.dispatch import dispatch_due
print(dispatch_due(batch_size=5))
"""


@pytest.mark.postgres
def test_real_sends_from_two_dispatcher_processes_add_up(client, settings, tmp_path, transactional_db):
    from django.db import connection

    from messaging.models import AttemptOutcome, DeliveryAttempt

    for _ in range(20):
        make_notification(status="pending", channels=["sms"], channel="sms", next_attempt_at=timezone.now())
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "djobea.settings",
           "DATABASE_URL": url, "MESSAGING_BACKEND": "console", "CONSOLE_FAIL_RATE": "0"}
    workers = [subprocess.Popen([sys.executable, "-c", DISPATCHER], cwd=ROOT, env=env, stdout=subprocess.PIPE)
               for _ in range(2)]
    sent_by = [int(worker.communicate(timeout=120)[0].decode().strip().splitlines()[-1]) for worker in workers]
    assert sum(sent_by) == 20
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SENT).count() == 20  # SKIP LOCKED: none twice
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    samples = _samples(client)
    assert samples[("djobea_notification_sends_total", (("channel", "sms"), ("outcome", "sent")))] == 20
