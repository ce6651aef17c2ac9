"""/health/ (readiness with Djobea's checks) and /health/live/ (liveness) in each failure state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reliability.health import heartbeat_beat
from reliability.models import Heartbeat
from tests.reliability.monitoring_support import make_dead_letter, make_notification, open_breaker

pytestmark = pytest.mark.django_db


def _health(client, **headers):
    response = client.get("/health/", {"format": "json"}, **headers)
    return response.status_code, {key.split("(")[0]: value for key, value in response.json().items()}


def test_all_green(client):
    heartbeat_beat()
    status, checks = _health(client)
    assert status == 200
    assert checks == {"Database": "OK", "Cache": "OK", "TaskClusterHeartbeat": "OK", "OutboxLag": "OK",
                      "DeadLetterGrowth": "OK", "Breakers": "OK", "BackgroundWork": "OK",
                      "TwilioConfiguration": "OK"}  # issue 12 adds the last two


def test_json_through_the_accept_header(client):
    heartbeat_beat()
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_task_cluster_down_is_an_outage_and_liveness_is_unaffected(client, settings):
    heartbeat_beat()
    Heartbeat.objects.update(last_beat_at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5))
    status, checks = _health(client)
    assert status == 500
    assert checks["TaskClusterHeartbeat"].startswith("Unavailable: task cluster silent")
    live = client.get("/health/live/")
    assert live.status_code == 200 and live.content == b"ok\n"


def test_a_dead_cluster_is_reported_to_staff_by_the_web_side_once(client, settings, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    """The cluster's own alert rules cannot run when it is down: /health/ polls raise the alert."""
    from reliability.models import Alert

    settings.STAFF_ALERT_EMAILS = ["ops@djobea.test"]
    heartbeat_beat()
    Heartbeat.objects.update(last_beat_at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # the load balancer keeps polling
            assert _health(client)[0] == 500
    alert = Alert.objects.get(dedup_key="heartbeat:qcluster")
    # Raised by the first poll only: the others write nothing (issue 11, /health/ never writes per poll).
    assert (alert.status, alert.severity, alert.count) == ("open", "critical", 1)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ops@djobea.test"]
    heartbeat_beat()  # the cluster is back: its every-minute rules resolve the alert
    from reliability.monitoring.rules import evaluate_alerts

    evaluate_alerts()
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_no_heartbeat_ever(client):
    status, checks = _health(client)
    assert status == 500 and "no task-cluster heartbeat yet" in checks["TaskClusterHeartbeat"]


def test_outbox_lag_warns_then_fails(client, settings):
    heartbeat_beat()
    settings.OUTBOX_LAG_WARNING_SECONDS, settings.OUTBOX_LAG_CRITICAL_SECONDS = 60, 600
    row = make_notification(status="pending", next_attempt_at=timezone.now() - timedelta(seconds=120))
    status, checks = _health(client)
    assert status == 200 and checks["OutboxLag"].startswith("Warning: oldest due message waits")
    row.next_attempt_at = timezone.now() - timedelta(seconds=900)
    row.save(update_fields=["next_attempt_at"])
    status, checks = _health(client)
    assert status == 500 and checks["OutboxLag"].startswith("Unavailable")
    assert client.get("/health/live/").status_code == 200


def test_open_breaker_is_a_warning_not_an_outage(client):
    heartbeat_beat()
    open_breaker("whatsapp")
    status, checks = _health(client)
    assert status == 200 and checks["Breakers"] == "Warning: open circuit breakers: whatsapp"


def test_dead_letter_growth_is_a_warning(client, settings):
    heartbeat_beat()
    settings.DEAD_LETTER_GROWTH_THRESHOLD = 2
    make_dead_letter()
    make_dead_letter()
    status, checks = _health(client)
    assert status == 200 and checks["DeadLetterGrowth"] == "Warning: 2 new dead letters in the last hour"


def test_liveness_never_touches_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/health/live/").status_code == 200


def test_html_page_for_people(client):
    heartbeat_beat()
    open_breaker("ai")
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "open circuit breakers: ai" in response.content.decode()
