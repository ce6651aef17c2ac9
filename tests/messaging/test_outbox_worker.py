"""The outbox worker on PostgreSQL: woken by NOTIFY, and alive after its connections are terminated."""

import threading
import time

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from messaging.models import Conversation, Notification, NotificationStatus
from messaging.outbox import enqueue
from messaging.outbox.wake import WakeListener, outbox_wake
from messaging.outbox.worker import OutboxWorker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = "+237677000555"


def _terminate(pids: str) -> int:
    params = {k: v for k, v in connection.get_connection_params().items()
              if k not in ("cursor_factory", "context", "prepare_threshold")}
    with psycopg.connect(**params, autocommit=True) as admin:
        query = f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {pids}"
        return admin.execute(query).fetchone()[0]


def test_the_listener_is_woken_by_notify_and_survives_its_connection_being_terminated():
    listener = WakeListener()
    threading.Timer(0.2, outbox_wake).start()
    assert listener.wait(5) is True
    backend = listener.conn.info.backend_pid
    assert _terminate(f"pid = {backend}") == 1
    assert listener.wait(0.2) is False  # the lost connection is noticed, not raised
    threading.Timer(0.3, outbox_wake).start()
    assert listener.wait(5) is True  # listening again on a new connection
    listener.close()


def _wakes(listener: WakeListener, seconds: float = 0.3) -> int:
    listener.conn = listener.conn or listener._connect()
    return sum(1 for _notify in listener.conn.notifies(timeout=seconds))


def test_enqueue_wakes_the_workers_once_per_transaction_and_only_when_it_commits():
    listener = WakeListener()
    assert _wakes(listener, 0.1) == 0
    with transaction.atomic():
        for n in range(3):
            enqueue(key=f"wake-{n}", body="réveil", phone=PHONE)
        assert _wakes(listener) == 0  # not before the commit
    assert _wakes(listener) == 1  # three messages, one wake
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(key="rolled-back", body="jamais", phone=PHONE)
        raise RuntimeError("the change that caused the message fails")
    assert _wakes(listener) == 0
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(key="savepoint", body="jamais", phone=PHONE)
            raise RuntimeError("a savepoint rolls back")
        assert _wakes(listener) == 0
        enqueue(key="after-savepoint", body="oui", phone=PHONE)
    assert _wakes(listener) == 1  # the rolled-back savepoint took its NOTIFY with it; the next one was sent
    listener.close()


def test_a_running_worker_sends_after_every_database_connection_of_the_project_was_terminated(fake_twilio):
    Conversation.objects.create(phone=PHONE, last_inbound_at=timezone.now())
    worker = OutboxWorker()
    thread = threading.Thread(target=worker.run, kwargs={"max_seconds": 30})
    thread.start()
    try:
        enqueue(key="before", body="avant", phone=PHONE)
        deadline = time.monotonic() + 10
        while not Notification.objects.filter(status=NotificationStatus.SENT).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        name, mine = connection.settings_dict["NAME"], connection.connection.info.backend_pid  # the test's own
        assert _terminate(f"datname = '{name}' AND pid NOT IN (pg_backend_pid(), {mine})") >= 2
        enqueue(key="after", body="après", phone=PHONE)
        deadline = time.monotonic() + 15
        while Notification.objects.filter(status=NotificationStatus.SENT).count() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 2
        assert thread.is_alive()
    finally:
        worker.stop()
        thread.join(timeout=15)
