"""Background work watched: failed django-q2 tasks (task-failures) and late schedules (schedules-late).

Here a failed task is stored by django-q2's own monitor code (``save_task``) as its worker reports it; the
real task cluster does the whole path in test_background_cluster.py (PostgreSQL).
"""

import traceback
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Failure, Schedule
from django_q.monitor import save_task

from reliability.health import heartbeat_beat
from reliability.models import Alert, AlertStatus
from reliability.monitoring.rules import evaluate_alerts

pytestmark = pytest.mark.django_db


def _fail_in_worker(func: str, *args) -> None:
    """What django-q2's worker hands its monitor when the task raises: "<error> : <traceback>", success False."""
    from pydoc import locate

    started = timezone.now()
    try:
        locate(func)(*args)
    except RuntimeError as exc:
        result = f"{exc} : {traceback.format_exc()}"
    task_id = uuid.uuid4().hex
    save_task({"id": task_id, "name": f"test-{task_id[:8]}", "func": func, "args": args, "kwargs": {},
               "started": started, "stopped": timezone.now(), "result": result, "success": False}, get_broker())


def _alert(key):
    return Alert.objects.filter(dedup_key=key).order_by("-pk").first()


# django-q2's save_task closes "old" connections first: in a test's own transaction that would close it.
@pytest.mark.django_db(transaction=True)
def test_a_failing_task_opens_task_failures_with_function_error_and_count_then_resolves_after_an_hour():
    heartbeat_beat()
    for _ in range(2):
        _fail_in_worker("tests.reliability.task_helpers.explode", "the printer is on fire")
    assert Failure.objects.count() == 2
    evaluate_alerts()
    alert = _alert("task-failures")
    assert (alert.status, alert.severity) == (AlertStatus.OPEN, "warning")
    text = alert.title + alert.detail
    assert "tests.reliability.task_helpers.explode" in text and "the printer is on fire" in text and "×2" in text
    Failure.objects.update(stopped=timezone.now() - timedelta(minutes=61))  # an hour without failures
    evaluate_alerts()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_an_overdue_schedule_opens_schedules_late_and_shows_in_health_api_and_dashboard(client, staff_client):
    heartbeat_beat()
    Schedule.objects.exclude(name="djobea:late-test").update(next_run=timezone.now() + timedelta(minutes=1))
    late = Schedule.objects.create(name="djobea:late-test", func="reliability.health.heartbeat_beat",
                                   schedule_type=Schedule.MINUTES, minutes=1, repeats=-1,
                                   next_run=timezone.now() - timedelta(minutes=7))
    evaluate_alerts()
    alert = _alert("schedules-late")
    assert alert.status == AlertStatus.OPEN and "djobea:late-test (7 min)" in alert.detail
    health = client.get("/health/", {"format": "json"})
    assert health.status_code == 200  # a warning, not an outage
    assert any(key.startswith("BackgroundWork") and "late schedule" in value for key, value in health.json().items())
    api = staff_client.get("/api/monitoring/health/").json()
    assert api["checks"]["BackgroundWork"]["status"] == "warning"
    assert [row["name"] for row in api["background"]["late_schedules"]] == ["djobea:late-test"]
    dashboard = staff_client.get("/admin/monitoring/").content.decode()
    assert 'data-key="schedules-late"' in dashboard and "djobea:late-test" in dashboard
    late.next_run = timezone.now() + timedelta(minutes=1)  # it ran again
    late.save()
    evaluate_alerts()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_health_gives_a_starting_task_cluster_a_grace_period(client, settings):
    settings.HEARTBEAT_STARTUP_GRACE_SECONDS = 3600  # this process started seconds ago
    response = client.get("/health/", {"format": "json"})
    assert response.status_code == 200
    checks = {key.split("(")[0]: value for key, value in response.json().items()}
    assert checks["TaskClusterHeartbeat"].startswith("Warning: starting")
    assert not Alert.objects.filter(dedup_key="heartbeat:qcluster").exists()
