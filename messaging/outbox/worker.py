"""The outbox worker: a long-running sender (``manage.py outbox_worker``), one or more per node.

It claims due rows in batches (SKIP LOCKED on PostgreSQL) whenever its pools have room, sends them
concurrently in a bounded thread pool per channel (its declared ``concurrency``), and sleeps until woken
(NOTIFY) or the poll interval passes. Every rule of the dispatcher holds unchanged: each claim is processed by
``process_claim_safely`` under its lease. Expired leases and stored callbacks are swept on the side.
"""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from messaging.channels import channel_spec
from messaging.outbox.dispatch import Claim, Sent, claim_due, leases_recover, process_claim_safely, sends_record
from messaging.outbox.wake import WakeListener

logger = logging.getLogger(__name__)

RECOVER_EVERY_SECONDS = 5.0
DB_RETRY_SECONDS = 1.0
GROUP_SECONDS = 0.02  # accepted sends are written together at most this often


class OutboxWorker:
    def __init__(self, *, batch_size: int | None = None):
        self.batch_size = batch_size or settings.MESSAGING_BATCH_SIZE
        sizes = {kind: channel_spec(kind).concurrency for kind in settings.MESSAGING_CHANNELS}
        self.pools = {kind: ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"outbox-{kind}",
                                               initializer=self._adopt_thread_connection)
                      for kind, size in sizes.items()}
        self.capacity = 2 * sum(sizes.values())  # claimed, queued or sending
        self.thread_connections: list = []  # each pool thread's database connection, closed at shutdown
        self.inflight: set[Future] = set()
        self.sent: list[Sent] = []
        self.sent_lock = threading.Lock()
        self.stopping = threading.Event()
        self.processed = 0

    def run(self, *, until_idle: bool = False, max_seconds: float | None = None) -> int:
        """Send until stopped (or, with ``until_idle``, until nothing is due). Returns rows processed.

        A pipeline, not batch after batch: new rows are claimed as soon as the pools have room, so one slow
        send never holds up the rest of its batch.
        """
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        listener = WakeListener()
        next_recovery = 0.0
        try:
            while not self.stopping.is_set() and (deadline is None or time.monotonic() < deadline):
                if time.monotonic() >= next_recovery:
                    self._unit_of_work(leases_recover)
                    next_recovery = time.monotonic() + RECOVER_EVERY_SECONDS
                claimed = self._claim_into_pools()
                if self.inflight:
                    self._collect(wait(self.inflight, timeout=GROUP_SECONDS).done)
                    self._write_sent()
                elif not claimed and until_idle:
                    break
                elif not claimed:
                    listener.wait(settings.MESSAGING_POLL_SECONDS)
        finally:
            listener.close()
            self._collect(wait(self.inflight).done)
            self._write_sent()
            self.shutdown()
            connections.close_all()  # this thread's own
        return self.processed

    def _claim_into_pools(self) -> int:
        room = self.capacity - len(self.inflight)
        if room < max(1, self.capacity // 4):  # claim in chunks, not one row per finished send
            return 0
        claims = self._unit_of_work(lambda: claim_due(limit=min(room, self.batch_size))) or []
        for claim in claims:
            self.inflight.add(self._pool_for(claim).submit(_process_in_thread, claim, self._hold_sent))
        return len(claims)

    def _hold_sent(self, sends: list[Sent]) -> None:
        with self.sent_lock:
            self.sent.extend(sends)

    def _write_sent(self) -> None:
        """One commit for every send accepted since the last one (a commit per message capped SQLite near
        100/s: each is an fsync). A failure here is loud; the rows' leases expire and the lookup adopts them."""
        with self.sent_lock:
            sends, self.sent = self.sent, []
        if sends:
            self._unit_of_work(lambda: sends_record(sends))

    def _collect(self, done) -> None:
        for future in done:
            self.inflight.discard(future)
            future.result()  # process_claim_safely records its own failures; anything else is a bug: loud
            self.processed += 1

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

    def _pool_for(self, claim: Claim) -> ThreadPoolExecutor:
        return self.pools.get(claim.notification.channel) or next(iter(self.pools.values()))

    def stop(self) -> None:
        self.stopping.set()

    def _adopt_thread_connection(self) -> None:
        own = connections["default"]
        own.inc_thread_sharing()  # so that shutdown, in the main thread, may close it
        self.thread_connections.append(own)

    def shutdown(self) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=True)
        for own in self.thread_connections:
            own.close()
        self.thread_connections.clear()


def _process_in_thread(claim: Claim, sent_sink) -> str:
    close_old_connections()  # a connection the database dropped is replaced (CONN_HEALTH_CHECKS), not reused
    return process_claim_safely(claim, sent_sink=sent_sink)
