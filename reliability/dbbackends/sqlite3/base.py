"""SQLite (with django-prometheus' instrumentation) that can write records after the transaction ends.

SQLite has a single writer: while a transaction is open on this connection no other connection
can write, so a failure record cannot be committed "beside" the caller's transaction as it is on
PostgreSQL. ``reliability.errors`` defers it instead: the record waits on this connection and is
written in autocommit as soon as the outermost ``atomic`` block ends — committed or rolled back.
"""

import logging

from django_prometheus.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)


class DatabaseFeatures(base.DatabaseFeatures):
    """Same features as SQLite."""


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_transaction_writes = []

    def defer_until_transaction_end(self, write) -> None:
        """Call ``write(connection)`` once the outermost transaction has ended, whatever its outcome."""
        self.after_transaction_writes.append(write)

    def set_autocommit(self, autocommit, force_begin_transaction_with_broken_autocommit=False):
        super().set_autocommit(autocommit, force_begin_transaction_with_broken_autocommit)
        if autocommit and self.after_transaction_writes:
            writes, self.after_transaction_writes = self.after_transaction_writes, []
            for write in writes:
                self._run_deferred(write)

    def _run_deferred(self, write) -> None:
        # Runs in the ``finally`` of someone else's atomic block: raising here would hide their outcome.
        try:
            write(self)
        except Exception:  # noqa: BLE001
            logger.critical("a write deferred to the end of the transaction failed", exc_info=True)
