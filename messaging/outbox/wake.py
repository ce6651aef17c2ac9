"""Waking the outbox worker at once when there is new work, instead of one queued task per message.

On PostgreSQL, ``outbox_wake`` sends ``NOTIFY djobea_outbox`` (after the enqueuing transaction commits)
and every worker LISTENs on its own connection. Elsewhere (SQLite, the embedded default) workers poll
every MESSAGING_POLL_SECONDS: one indexed query. Either way the minute schedule stays the safety net.
"""

import logging
import time

import psycopg
from django.db import connection, transaction

logger = logging.getLogger(__name__)

CHANNEL = "djobea_outbox"


def outbox_wake_on_commit() -> None:
    """Wake the workers once the current transaction commits (at once outside a transaction); one NOTIFY per
    transaction, however many messages it enqueued."""
    pending = transaction.get_connection().run_on_commit
    if not any(callback is outbox_wake for _savepoints, callback, _robust in pending):
        transaction.on_commit(outbox_wake)


def outbox_wake() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"NOTIFY {CHANNEL}")


class WakeListener:
    """``wait(timeout)`` returns early when woken. Its own autocommit connection on PostgreSQL."""

    def __init__(self):
        self.conn = None
        if connection.vendor == "postgresql":
            params = {k: v for k, v in connection.get_connection_params().items()
                      if k not in ("cursor_factory", "context", "prepare_threshold")}
            self.conn = psycopg.connect(**params, autocommit=True)
            self.conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        """True when woken before ``timeout`` seconds."""
        if self.conn is None:
            time.sleep(timeout)  # idle polling between passes, not a retry
            return False
        return any(True for _notify in self.conn.notifies(timeout=timeout, stop_after=1))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

