"""Several dispatcher PROCESSES on PostgreSQL (SKIP LOCKED): no double send, quotas hold, SIGKILL loses nothing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from messaging.models import AttemptOutcome, DeliveryAttempt, Notification, NotificationStatus, Priority, QuotaUsage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    # Durability is not under test here; asynchronous commit keeps the fsyncs out of the way.
    options = "?options=-c%20synchronous_commit%3Doff"
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}{options}"


@pytest.fixture
def dispatcher_env(fake_twilio, settings):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "MESSAGING_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
        "TWILIO_WHATSAPP_FROM": settings.TWILIO_WHATSAPP_FROM,
        "TWILIO_SMS_FROM": settings.TWILIO_SMS_FROM,
        "TWILIO_TIMEOUT_SECONDS": "2",
        "MESSAGING_BATCH_SIZE": "50",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    return env


def start_dispatcher(env: dict, *args: str) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "outbox_worker", "--until-idle", "--max-seconds", "300", *args]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_all(processes: list[subprocess.Popen], timeout: float = 330) -> None:
    for process in processes:
        _out, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, err.decode()[-3000:]


def bulk_notifications(count: int, *, prefix: str, priority: int = Priority.NORMAL) -> None:
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(idempotency_key=f"{prefix}-{i}", recipient_phone=f"+2376{i:08d}", body=f"{prefix} body {i}",
                         channels=["sms"], channel="sms", priority=priority, next_attempt_at=now)
            for i in range(count)
        ],
        batch_size=500,
    )


def test_two_dispatcher_processes_never_double_send_2000_messages(dispatcher_env, fake_twilio):
    bulk_notifications(2000, prefix="load")
    processes = [start_dispatcher(dispatcher_env, "--batch-size", "25") for _ in range(2)]
    wait_all(processes)
    bodies = [m["body"] for m in fake_twilio.messages]
    assert len(bodies) == 2000
    assert len(set(bodies)) == 2000
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 2000
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SENT).count() == 2000


def test_four_dispatcher_processes_never_exceed_the_quota_and_defer_the_rest(dispatcher_env, fake_twilio):
    dispatcher_env["SMS_DAILY_LIMIT"] = "25"
    bulk_notifications(100, prefix="quota", priority=Priority.HIGH)
    processes = [start_dispatcher(dispatcher_env, "--batch-size", "5") for _ in range(4)]
    wait_all(processes)
    assert fake_twilio.count() == 25
    assert QuotaUsage.objects.filter(channel="sms").count() == 25
    deferred = Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__gt=timezone.now())
    assert deferred.count() == 75
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SKIPPED, error_code="quota_spent").count() == 75


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_duplicates_nothing(dispatcher_env, fake_twilio):
    dispatcher_env["MESSAGING_LEASE_SECONDS"] = "2"
    fake_twilio.latency = 0.01
    bulk_notifications(300, prefix="kill")
    victim = start_dispatcher(dispatcher_env, "--batch-size", "100")  # killed well inside its first batch
    deadline = time.monotonic() + 30
    while fake_twilio.count() < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert 0 < fake_twilio.count() < 300, "the victim should die mid-way"
    assert Notification.objects.filter(status=NotificationStatus.SENDING).exists()
    time.sleep(2.5)  # let the dead dispatcher's leases expire
    wait_all([start_dispatcher(dispatcher_env, "--batch-size", "50")])
    bodies = [m["body"] for m in fake_twilio.messages]
    assert len(bodies) == len(set(bodies)) == 300
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 300
    assert DeliveryAttempt.objects.filter(error_code="lease_expired").exists()
