"""Anonymous /health/ polls never write to the database, even while the task cluster is silent."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reliability.health import heartbeat_beat
from reliability.models import Alert, Heartbeat

pytestmark = pytest.mark.django_db
WRITES = ("INSERT", "UPDATE", "DELETE")


def test_a_stale_heartbeat_raises_one_alert_and_further_polls_write_nothing(client, settings):
    cache.clear()
    heartbeat_beat()
    Heartbeat.objects.update(last_beat_at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5))

    assert client.get("/health/").status_code == 500
    assert Alert.objects.filter(dedup_key="heartbeat:qcluster").count() == 1
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            assert client.get("/health/", {"format": "json"}).status_code == 500
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert Alert.objects.get(dedup_key="heartbeat:qcluster").count == 1


def test_healthy_polls_write_nothing(client):
    heartbeat_beat()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert client.get("/health/").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
