"""The outbox worker: a long-running sender (``manage.py outbox_worker``), one or more per node.

It claims due rows in batches (SKIP LOCKED on PostgreSQL), sends each batch concurrently in a bounded
thread pool per channel (MESSAGING_SEND_CONCURRENCY), and sleeps until woken (NOTIFY) or the poll
interval passes. Every rule of the dispatcher holds unchanged: each claim is processed by
``process_claim_safely`` under its lease. Expired leases and stored callbacks are swept on the side.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from messaging.outbox.dispatch import Claim, claim_due, leases_recover, process_claim_safely
from messaging.outbox.wake import WakeListener

logger = logging.getLogger(__name__)

RECOVER_EVERY_SECONDS = 5.0
DB_RETRY_SECONDS = 1.0


class OutboxWorker:
    def __init__(self, *, batch_size: int | None = None):
        self.batch_size = batch_size or settings.MESSAGING_BATCH_SIZE
        self.pools = {kind: ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"outbox-{kind}",
                                               initializer=close_old_connections)
                      for kind, size in settings.MESSAGING_SEND_CONCURRENCY.items()}
        self.stopping = threading.Event()
        self.processed = 0

    def run(self, *, until_idle: bool = False, max_seconds: float | None = None) -> int:
        """Send until stopped (or, with ``until_idle``, until nothing is due). Returns rows processed."""
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        listener = WakeListener()
        next_recovery = 0.0
        try:
            while not self.stopping.is_set() and (deadline is None or time.monotonic() < deadline):
                if time.monotonic() >= next_recovery:
                    self._unit_of_work(leases_recover)
                    next_recovery = time.monotonic() + RECOVER_EVERY_SECONDS
                claims = self._unit_of_work(lambda: claim_due(limit=self.batch_size))
                if claims:
                    self.send_batch(claims)
                elif until_idle:
                    break
                else:
                    listener.wait(settings.MESSAGING_POLL_SECONDS)
        finally:
            listener.close()
            self.shutdown()
        return self.processed

    def _unit_of_work(self, work):
        """A dropped database connection (a restart, a terminated backend) is replaced on the next unit;
        while the database is away the worker logs it and waits instead of dying."""
        close_old_connections()
        try:
            return work()
        except (OperationalError, InterfaceError) as exc:
            logger.error("outbox worker: database unavailable (%s); retrying in %ss", exc, DB_RETRY_SECONDS)
            connections["default"].close()
            self.stopping.wait(DB_RETRY_SECONDS)
            return None

    def send_batch(self, claims: list[Claim]) -> None:
        """Each claim on its channel's pool; returns when the whole batch is done."""
        futures = [self._pool_for(claim).submit(_process_in_thread, claim) for claim in claims]
        wait(futures)
        for future in futures:
            future.result()  # process_claim_safely records its own failures; anything else is a bug: loud
        self.processed += len(claims)

    def _pool_for(self, claim: Claim) -> ThreadPoolExecutor:
        kind = claim.notification.channel if claim.notification else "whatsapp"
        return self.pools.get(kind) or next(iter(self.pools.values()))

    def stop(self) -> None:
        self.stopping.set()

    def shutdown(self) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=True)


def _process_in_thread(claim: Claim) -> str:
    close_old_connections()  # a connection the database dropped is replaced (CONN_HEALTH_CHECKS), not reused
    return process_claim_safely(claim)
