"""Circuit breakers shared by every process through the ``CircuitBreaker`` row (resilience4j semantics).

Usage (outside any transaction: the external call must never run under a database lock)::

    b = breaker("whatsapp")
    permit = b.acquire()            # raises BreakerOpen(.retry_at) while the service is presumed down
    started = time.monotonic()
    try:
        send(...)
    except ServiceDown:             # 5xx, timeout, connection error: the *service* failed
        b.record(permit, success=False, duration=time.monotonic() - started)
        raise
    # a recipient's 4xx is not the service failing: record it as success=True
    b.record(permit, success=True, duration=time.monotonic() - started)

A permit whose call is not made after all (nothing to send, an error that says nothing about the
service) is handed back with ``b.release(permit)``: nothing is recorded and a probe slot is freed.

States: ``closed`` (calls flow; the last ``window_size`` outcomes are kept, and once there are at
least ``minimum_calls`` — capped at ``window_size``, as resilience4j does — the breaker opens when the
failure rate or the slow-call rate reaches its threshold; a call is slow when it lasts *more than*
``slow_call_seconds``), ``open`` (calls refused until ``open_seconds`` have passed), ``half_open`` (at
most ``half_open_permits`` probe calls; a permit not reported within ``permit_ttl_seconds`` is freed;
once ``min(minimum_calls, half_open_permits)`` probes have reported, their rates decide between closed
and open). ``forced_open`` refuses every call and ``disabled`` lets every call through without
recording, until an admin resets the breaker. ``djobea.checks`` rejects impossible settings.

Every state change bumps ``generation`` in one conditional UPDATE, so a result reported with a
permit from an older generation (a slow call that started before the breaker opened) is ignored.
Outcomes are recorded under the row lock in a very short transaction (``select_for_update`` on
PostgreSQL; SQLite's write lock serialises writers). Each process caches the row for
``BREAKER_CACHE_SECONDS`` (0 turns the cache off) to keep ``acquire()`` cheap while closed.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import BreakerForce, BreakerState, CircuitBreaker

logger = logging.getLogger(__name__)

NAMES = ("whatsapp", "sms", "email", "ai")

DEFAULT_CONFIG = {
    "window_size": 20,  # count-based sliding window: the last N outcomes
    "minimum_calls": 10,  # no verdict before this many outcomes in the window
    "failure_rate": 50.0,  # percent of failures that opens the breaker
    "slow_call_rate": 100.0,  # percent of slow calls that opens it
    "slow_call_seconds": 10.0,  # a call longer than this is slow
    "open_seconds": 60.0,  # wait in open state before probing
    "half_open_permits": 3,  # probe calls allowed in half-open state
    "permit_ttl_seconds": 30.0,  # a probe not reported within this is freed
}

FAILURE, SUCCESS, SLOW_FAILURE, SLOW_SUCCESS = "f", "s", "F", "S"
UNDECIDED, EXCEEDED, BELOW = "undecided", "exceeded", "below"  # a window's verdict


class BreakerOpen(Exception):
    """The breaker refuses the call. ``retry_at`` says when a probe may be allowed (None: not before a reset)."""

    def __init__(self, name: str, *, retry_at: datetime | None, state: str):
        self.name = name
        self.retry_at = retry_at
        self.state = state
        when = retry_at.isoformat() if retry_at else "after a manual reset"
        super().__init__(f"circuit breaker {name!r} is {state}; retry {when}")


@dataclass(frozen=True)
class Permit:
    name: str
    generation: int
    token: str = ""  # set for half-open probes only
    disabled: bool = False


@dataclass(frozen=True)
class Snapshot:
    state: str
    forced: str
    generation: int
    opened_at: datetime | None
    window_clean: bool = False  # closed with a full window of fast successes: one more changes nothing


def breaker_config(name: str) -> dict:
    return {**DEFAULT_CONFIG, **getattr(settings, "BREAKERS", {}).get(name, {})}


# --- per-process cache ---------------------------------------------------------------------

_cache: dict[str, tuple[float, Snapshot]] = {}


def clear_cache() -> None:
    """Forget every cached state (tests call it between tests; writes in this process call it per name)."""
    _cache.clear()


def _snapshot(name: str) -> Snapshot:
    ttl = float(getattr(settings, "BREAKER_CACHE_SECONDS", 1.0))
    cached = _cache.get(name)
    if ttl > 0 and cached and cached[0] > time.monotonic():
        return cached[1]
    fields = ("state", "forced", "generation", "opened_at", "window")
    row = CircuitBreaker.objects.filter(name=name).values(*fields).first()
    snap = Snapshot(BreakerState.CLOSED, BreakerForce.NONE, 0, None)
    if row:
        window = row.pop("window")
        snap = Snapshot(**row, window_clean=_window_clean(name, window))
    _cache_put(name, snap)
    return snap


def _window_clean(name: str, window: list[str]) -> bool:
    return len(window) >= breaker_config(name)["window_size"] and all(outcome == SUCCESS for outcome in window)


def _cache_put(name: str, snap: Snapshot) -> None:
    ttl = float(getattr(settings, "BREAKER_CACHE_SECONDS", 1.0))
    if ttl > 0:
        _cache[name] = (time.monotonic() + ttl, snap)


def _row_for_update(name: str) -> CircuitBreaker:
    """The breaker's row, locked until the end of the (short) surrounding transaction; created on first use."""
    row, _created = CircuitBreaker.objects.select_for_update().get_or_create(name=name)
    return row


def _transition(row: CircuitBreaker, *, to: str, **fields) -> bool:
    """Move ``row`` to state ``to`` iff nobody changed its generation meanwhile (one conditional UPDATE)."""
    changed = CircuitBreaker.objects.filter(pk=row.pk, generation=row.generation).update(
        state=to, generation=F("generation") + 1, window=[], half_open_permits=[], updated_at=timezone.now(), **fields
    )
    _cache.pop(row.name, None)
    if changed:
        log = logger.error if to == BreakerState.OPEN else logger.warning
        log(
            "circuit breaker %s: %s -> %s", row.name, row.state, to,
            extra={"breaker": row.name, "from_state": row.state, "to_state": to, "generation": row.generation + 1},
        )
    return bool(changed)


def _rates(window: list[str]) -> tuple[float, float]:
    if not window:
        return 0.0, 0.0
    failures = sum(1 for outcome in window if outcome in (FAILURE, SLOW_FAILURE))
    slow = sum(1 for outcome in window if outcome in (SLOW_FAILURE, SLOW_SUCCESS))
    return 100.0 * failures / len(window), 100.0 * slow / len(window)


def window_failure_rate(window: list[str]) -> float:
    """Failure rate in percent of a stored window (for the admin and the dashboard)."""
    return _rates(window)[0]


def _verdict(window: list[str], config: dict, *, size: int) -> str:
    """resilience4j's CircuitBreakerMetrics.checkIfThresholdsExceeded over a count window of ``size``:
    undecided below ``min(minimum_calls, size)`` outcomes, else exceeded or below the thresholds."""
    if len(window) < min(config["minimum_calls"], size):
        return UNDECIDED
    failure_rate, slow_rate = _rates(window)
    exceeded = failure_rate >= config["failure_rate"] or slow_rate >= config["slow_call_rate"]
    return EXCEEDED if exceeded else BELOW


def _describe(window: list[str]) -> str:
    failure_rate, slow_rate = _rates(window)
    return f"failure rate {failure_rate:.0f}%, slow calls {slow_rate:.0f}% over {len(window)} calls"


def _outcome(*, success: bool, slow: bool) -> str:
    if slow:
        return SLOW_SUCCESS if success else SLOW_FAILURE
    return SUCCESS if success else FAILURE


class Breaker:
    """Handle on one named breaker; holds no state of its own (the row does)."""

    def __init__(self, name: str):
        self.name = name

    @property
    def config(self) -> dict:
        return breaker_config(self.name)

    # --- reading ---------------------------------------------------------------------------

    def _retry_at(self, snap: Snapshot) -> datetime | None:
        if snap.forced == BreakerForce.FORCED_OPEN or snap.opened_at is None:
            return None
        return snap.opened_at + timedelta(seconds=self.config["open_seconds"])

    def is_open(self) -> bool:
        """Cheap peek (cached): True while calls would certainly be refused. An open breaker whose wait
        has passed reads False, since the next ``acquire()`` may get a probe permit."""
        snap = _snapshot(self.name)
        if snap.forced == BreakerForce.DISABLED:
            return False
        if snap.forced == BreakerForce.FORCED_OPEN:
            return True
        if snap.state != BreakerState.OPEN:
            return False
        retry_at = self._retry_at(snap)
        return retry_at is None or retry_at > timezone.now()

    def probing(self) -> bool:
        """Cheap peek (cached): the next permitted call would be a probe (half-open, or open past its wait)."""
        snap = _snapshot(self.name)
        return not snap.forced and snap.state != BreakerState.CLOSED and not self.is_open()

    def state(self) -> str:
        """The effective state, uncached: closed, open, half_open, forced_open or disabled."""
        row = CircuitBreaker.objects.filter(name=self.name).values("state", "forced").first()
        if row is None:
            return BreakerState.CLOSED
        return row["forced"] or row["state"]

    # --- calling ---------------------------------------------------------------------------

    def acquire(self) -> Permit:
        """A permit to call the service, or ``BreakerOpen``. Closed: no database write."""
        snap = _snapshot(self.name)
        if snap.forced == BreakerForce.DISABLED:
            return Permit(self.name, snap.generation, disabled=True)
        if snap.forced == BreakerForce.FORCED_OPEN:
            raise BreakerOpen(self.name, retry_at=None, state=BreakerForce.FORCED_OPEN)
        if snap.state == BreakerState.CLOSED:
            return Permit(self.name, snap.generation)
        retry_at = self._retry_at(snap)
        if snap.state == BreakerState.OPEN and retry_at and retry_at > timezone.now():
            raise BreakerOpen(self.name, retry_at=retry_at, state=BreakerState.OPEN)
        return self._acquire_probe()

    def _acquire_probe(self) -> Permit:
        """Open past its wait or half-open: take one of the limited probe permits under the row lock."""
        config = self.config
        with transaction.atomic():
            row = _row_for_update(self.name)
            now = timezone.now()
            if row.forced or row.state == BreakerState.CLOSED:
                _cache.pop(self.name, None)
                return self.acquire()  # changed meanwhile: decide again on fresh state
            if row.state == BreakerState.OPEN:
                retry_at = row.opened_at + timedelta(seconds=config["open_seconds"]) if row.opened_at else now
                if retry_at > now:
                    raise BreakerOpen(self.name, retry_at=retry_at, state=BreakerState.OPEN)
                _transition(row, to=BreakerState.HALF_OPEN)
                row.refresh_from_db()
            return self._take_permit(row, config, now)

    def _take_permit(self, row: CircuitBreaker, config: dict, now: datetime) -> Permit:
        epoch = now.timestamp()
        live = [p for p in row.half_open_permits if p["exp"] > epoch]  # expired permits are freed
        if len(live) + len(row.window) >= config["half_open_permits"]:
            soonest = min((p["exp"] for p in live), default=epoch + config["permit_ttl_seconds"])
            retry_at = datetime.fromtimestamp(soonest, tz=now.tzinfo)
            raise BreakerOpen(self.name, retry_at=retry_at, state=BreakerState.HALF_OPEN)
        token = uuid.uuid4().hex
        live.append({"id": token, "exp": epoch + config["permit_ttl_seconds"]})
        CircuitBreaker.objects.filter(pk=row.pk, generation=row.generation).update(
            half_open_permits=live, updated_at=now
        )
        return Permit(self.name, row.generation, token=token)

    def release(self, permit: Permit) -> None:
        """Hand back a permit whose call was not made: nothing is recorded; a probe slot is freed."""
        if not permit.token:
            return  # closed and disabled permits hold no slot
        with transaction.atomic():
            row = _row_for_update(self.name)
            permits = [p for p in row.half_open_permits if p["id"] != permit.token]
            if row.generation == permit.generation and len(permits) < len(row.half_open_permits):
                CircuitBreaker.objects.filter(pk=row.pk, generation=row.generation).update(
                    half_open_permits=permits, updated_at=timezone.now()
                )

    def record(self, permit: Permit, *, success: bool, duration: float) -> None:
        """Report the outcome of a permitted call. ``success=False`` only for service failures."""
        if permit.disabled:
            return
        config = self.config
        outcome = _outcome(success=success, slow=duration > config["slow_call_seconds"])
        snap = _snapshot(self.name)
        if outcome == SUCCESS and snap.state == BreakerState.CLOSED and snap.window_clean:
            # The window already holds only fast successes: no write, no row lock (the hot path of every send).
            # A failure another process recorded within the cache second may miss a success: conservative.
            return
        with transaction.atomic():
            row = _row_for_update(self.name)
            if row.generation != permit.generation or row.forced:
                logger.info("circuit breaker %s: late result of generation %s ignored", self.name, permit.generation)
                return
            if row.state == BreakerState.HALF_OPEN:
                self._record_probe(row, permit, outcome, config)
            elif row.state == BreakerState.CLOSED:
                self._record_closed(row, outcome, config)

    def _record_closed(self, row: CircuitBreaker, outcome: str, config: dict) -> None:
        window = (row.window + [outcome])[-config["window_size"]:]
        if _verdict(window, config, size=config["window_size"]) == EXCEEDED:
            self._open(row, _describe(window))
            return
        CircuitBreaker.objects.filter(pk=row.pk).update(window=window, updated_at=timezone.now())
        # What this process just wrote is the freshest state it can know: once the window fills with fast
        # successes, the next ones skip the row lock at once instead of after the cache's second.
        _cache_put(self.name, Snapshot(row.state, row.forced, row.generation, row.opened_at,
                                       window_clean=_window_clean(self.name, window)))

    def _record_probe(self, row: CircuitBreaker, permit: Permit, outcome: str, config: dict) -> None:
        permits = [p for p in row.half_open_permits if p["id"] != permit.token]
        if len(permits) == len(row.half_open_permits):
            logger.info("circuit breaker %s: result of an expired probe permit ignored", self.name)
            return
        window = row.window + [outcome]
        verdict = _verdict(window, config, size=config["half_open_permits"])
        if verdict == EXCEEDED:
            self._open(row, f"probe failed: {_describe(window)}")
        elif verdict == BELOW:
            _transition(row, to=BreakerState.CLOSED, opened_at=None)
        else:
            CircuitBreaker.objects.filter(pk=row.pk, generation=row.generation).update(
                window=window, half_open_permits=permits, updated_at=timezone.now()
            )

    def _open(self, row: CircuitBreaker, reason: str) -> bool:
        return _transition(
            row, to=BreakerState.OPEN, opened_at=timezone.now(), last_failure=reason[:2000],
            open_count=F("open_count") + 1,
        )

    def trip(self, reason: str) -> None:
        """Open at once, whatever the window says (a channel-configuration error such as 63007 or 20003).
        Already open: the wait starts again. Forced or disabled breakers keep their forcing."""
        with transaction.atomic():
            row = _row_for_update(self.name)
            if row.state == BreakerState.OPEN:
                CircuitBreaker.objects.filter(pk=row.pk).update(
                    opened_at=timezone.now(), last_failure=reason[:2000], updated_at=timezone.now()
                )
                _cache.pop(self.name, None)
                logger.error("circuit breaker %s tripped again: %s", self.name, reason, extra={"breaker": self.name})
                return
            self._open(row, reason)


def breaker(name: str) -> Breaker:
    return Breaker(name)


# --- admin services ----------------------------------------------------------------------------


def _force(name: str, *, forced: str, user, action: str) -> None:
    with transaction.atomic():
        row = _row_for_update(name)
        CircuitBreaker.objects.filter(pk=row.pk).update(
            forced=forced, state=BreakerState.CLOSED, generation=F("generation") + 1, window=[],
            half_open_permits=[], opened_at=None, updated_at=timezone.now(),
        )
    _cache.pop(name, None)
    username = getattr(user, "get_username", lambda: "system")()
    logger.warning("circuit breaker %s: %s by %s", name, action, username, extra={"breaker": name, "user": username})


def breaker_reset(name: str, *, user) -> None:
    """Closed with an empty window, forcing cleared."""
    _force(name, forced=BreakerForce.NONE, user=user, action="reset")


def breaker_force_open(name: str, *, user) -> None:
    """Refuse every call until reset."""
    _force(name, forced=BreakerForce.FORCED_OPEN, user=user, action="forced open")


def breaker_disable(name: str, *, user) -> None:
    """Let every call through, record nothing, until reset."""
    _force(name, forced=BreakerForce.DISABLED, user=user, action="disabled")


def breakers_ensure_rows() -> None:
    """Create the rows of the configured breakers so the admin and the dashboard list them all."""
    for name in {*NAMES, *getattr(settings, "BREAKERS", {})}:
        CircuitBreaker.objects.get_or_create(name=name)
