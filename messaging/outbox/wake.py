"""Waking the outbox worker at once when there is new work, instead of one queued task per message.

On PostgreSQL, ``outbox_wake`` sends ``NOTIFY djobea_outbox`` (delivered when the enqueuing transaction
commits) and every worker LISTENs on its own connection. Elsewhere (SQLite, the embedded default) workers poll
every MESSAGING_POLL_SECONDS: one indexed query. Either way the minute schedule stays the safety net.
"""

import logging
import time

import psycopg
from django.db import connection, transaction

logger = logging.getLogger(__name__)

CHANNEL = "djobea_outbox"


def outbox_wake_on_commit() -> None:
    """Wake the workers once the current transaction commits (at once outside a transaction).

    PostgreSQL itself delivers a NOTIFY only when its transaction commits, and drops it when the transaction
    or the savepoint it was sent in rolls back, so it is sent now, inside the transaction, once per
    transaction however many messages it enqueues. Sent after the commit instead, it was a transaction of
    its own: a second commit (an fsync: NOTIFY takes a transaction id) for every enqueuing transaction.
    """
    conn = transaction.get_connection()
    if conn.vendor != "postgresql":
        return
    if conn.in_atomic_block:
        if any(callback is _notified for _savepoints, callback, _robust in conn.run_on_commit):
            return
        transaction.on_commit(_notified)  # marks this transaction (and goes with a rolled-back savepoint)
    outbox_wake()


def _notified() -> None:
    """The marker of a transaction that has sent its NOTIFY; nothing to do at commit."""


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
