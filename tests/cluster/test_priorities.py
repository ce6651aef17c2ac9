"""Schedules never wait behind bulk work: they run on their own "ops" cluster and queue.

Real processes on PostgreSQL, with django-q2's ORM broker (the default) and with Redis: the
conversation cluster (one worker) gets a 40-second burst of queued tasks, then a heartbeat is
queued on each cluster. The ops cluster runs its heartbeat within seconds, while the one queued
behind the burst is still waiting; the real scheduler then fires the ``djobea:heartbeat`` schedule
on the ops cluster while the burst is still being worked off.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule

from djobea.schedules import ensure_schedules
from reliability.health import CLUSTER_HEARTBEAT
from reliability.models import Heartbeat
from tests import processes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BURST = 400  # tasks of 0.1 s each on one worker: about 40 s of queue, longer than a scheduler tick (30 s)
QUEUE = """
from django_q.tasks import async_task
for _ in range({burst}):
    async_task("time.sleep", 0.1, group="bulk")
async_task("reliability.health.heartbeat_beat", name="probe-ops", cluster="{ops}")
async_task("reliability.health.heartbeat_beat", name="probe-fifo")
"""


@pytest.fixture(params=["orm", "redis"])
def broker_env(request, stack_env):
    if request.param == "redis":
        return {**stack_env, "REDIS_URL": request.getfixturevalue("redis_url")}
    return stack_env


def _beaten(name: str) -> bool:
    return Heartbeat.objects.filter(name=name).exists()


def test_a_heartbeat_is_not_delayed_behind_a_burst_of_queued_tasks(broker_env, children, tmp_path):
    ensure_schedules()
    assert set(Schedule.objects.filter(name__startswith="djobea:").values_list("cluster", flat=True)) == {
        settings.Q_OPS_CLUSTER}
    Schedule.objects.filter(name="djobea:heartbeat").update(next_run=timezone.now() - timedelta(seconds=1))
    children.append(processes.start_qcluster(broker_env, workers=1, log=tmp_path / "djobea.log"))
    children.append(processes.start_qcluster(broker_env, cluster=settings.Q_OPS_CLUSTER, log=tmp_path / "ops.log"))

    queued = processes.manage(broker_env, "shell", "-c", QUEUE.format(burst=BURST, ops=settings.Q_OPS_CLUSTER))
    assert queued.wait(timeout=60) == 0
    processes.wait_until(lambda: _beaten("probe-ops"), timeout=10, what="the heartbeat queued on the ops cluster")
    assert not _beaten("probe-fifo"), "the heartbeat queued behind the burst should still be waiting"

    processes.wait_until(lambda: _beaten(CLUSTER_HEARTBEAT), timeout=45, interval=0.5,
                         what="the scheduled djobea:heartbeat on the ops cluster")
    assert not _beaten("probe-fifo"), "the burst is still being worked off while the schedule ran"
