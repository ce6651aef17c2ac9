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
    """``wait(timeout)`` returns early when woken. Its own autocommit connection on PostgreSQL; when that
    connection is lost (a restart, a terminated backend) it falls back to sleeping and listens again on
    the next wait, so the worker never dies of it."""

    def __init__(self):
        self.listens = connection.vendor == "postgresql"
        self.conn = None

    def _connect(self):
        params = {k: v for k, v in connection.get_connection_params().items()
                  if k not in ("cursor_factory", "context", "prepare_threshold")}
        conn = psycopg.connect(**params, autocommit=True, connect_timeout=5)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def wait(self, timeout: float) -> bool:
        """True when woken before ``timeout`` seconds."""
        if not self.listens:
            time.sleep(timeout)  # idle polling between passes, not a retry
            return False
        try:
            self.conn = self.conn or self._connect()
            return any(True for _notify in self.conn.notifies(timeout=timeout, stop_after=1))
        except psycopg.Error as exc:
            logger.error("outbox worker: LISTEN connection lost (%s); polling until it is back", exc)
            self.close()
            time.sleep(timeout)
            return False

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
