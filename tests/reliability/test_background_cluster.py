"""With a real task cluster (`manage.py qcluster`, PostgreSQL): a task that raises opens task-failures, a
schedule that does not run opens schedules-late, and both resolve once their cause is gone."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import Failure, Schedule
from django_q.tasks import async_task

from djobea.schedules import ensure_schedules
from reliability.models import Alert, AlertStatus, DegradationState

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]


def _cluster_env() -> dict:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # The "ops" cluster runs every schedule (settings.Q_OPS_CLUSTER).
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "Q_CLUSTER_NAME": "ops", "Q_OPS_WORKERS": "1"}
    env.pop("REDIS_URL", None)
    return env


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def _alert_status(key: str) -> str | None:
    return Alert.objects.filter(dedup_key=key).order_by("-pk").values_list("status", flat=True).first()


def _evaluate_at_next_pass() -> None:
    """Only the alert evaluation and the heartbeat are due; the cluster's scheduler runs them within ~30 s."""
    Schedule.objects.filter(name__in=["djobea:evaluate-alerts", "djobea:heartbeat"]).update(
        next_run=timezone.now() - timedelta(seconds=1))


def test_a_failing_task_and_a_late_schedule_raise_and_resolve_their_alerts_with_a_real_cluster():
    ensure_schedules()
    Schedule.objects.update(next_run=timezone.now() + timedelta(hours=1))
    _evaluate_at_next_pass()
    # A schedule pinned to a node that is not running: overdue, as after a crash loop or a stopped node.
    late = Schedule.objects.create(name="djobea:pinned-elsewhere", func="reliability.health.heartbeat_beat",
                                   schedule_type=Schedule.MINUTES, minutes=1, repeats=-1, cluster="stopped-node",
                                   next_run=timezone.now() - timedelta(minutes=10))
    async_task("tests.reliability.task_helpers.explode", "the printer is on fire", cluster="ops")
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=BASE_DIR, env=_cluster_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _wait_for(lambda: Failure.objects.exists(), timeout=30, what="the task failed in the cluster")
        _wait_for(lambda: _alert_status("task-failures") == AlertStatus.OPEN
                  and _alert_status("schedules-late") == AlertStatus.OPEN,
                  timeout=90, what="task-failures and schedules-late opened")
        alert = Alert.objects.get(dedup_key="task-failures", status=AlertStatus.OPEN)
        assert "tests.reliability.task_helpers.explode" in alert.title
        assert "the printer is on fire" in alert.detail and "×1" in alert.detail
        assert "djobea:pinned-elsewhere" in Alert.objects.get(dedup_key="schedules-late").detail
        # The first evaluation may come before the first heartbeat: it must not call the cluster dead.
        assert DegradationState.objects.get().computed_level != "critical"

        Failure.objects.update(stopped=timezone.now() - timedelta(minutes=61))  # an hour without failures
        late.delete()  # the node is back / the schedule was fixed
        _evaluate_at_next_pass()
        _wait_for(lambda: _alert_status("task-failures") == AlertStatus.RESOLVED
                  and _alert_status("schedules-late") == AlertStatus.RESOLVED,
                  timeout=90, what="both alerts resolved")
    finally:
        _stop(cluster)


def _stop(cluster: subprocess.Popen) -> None:
    """SIGTERM to the cluster's main process only: it stops its workers itself (a signal to the whole group
    would hit the workers too, and the cluster would then wait for them forever)."""
    cluster.send_signal(signal.SIGTERM)
    try:
        cluster.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
        _out, err = cluster.communicate()
        raise AssertionError("the cluster did not stop on SIGTERM: " + err.decode()[-2000:]) from None
