"""resilience4j's own circuit-breaker cases, translated to Djobea's shared breakers.

Each test is named after the resilience4j test it translates (its docstring names the file). Sources,
from github.com/resilience4j/resilience4j (snapshot af9e7c979):
- resilience4j-circuitbreaker/src/test/java/io/github/resilience4j/circuitbreaker/internal/
  CircuitBreakerStateMachineTest.java and CircuitBreakerMetricsTest.java
- resilience4j-circuitbreaker/src/test/java/io/github/resilience4j/circuitbreaker/CircuitBreakerConfigTest.java
- resilience4j-core/src/test/java/io/github/resilience4j/core/metrics/FixedSizeSlidingWindowMetricsTest.java

Translation: resilience4j's ``setUp`` (failure and slow-call rate 50 %, slow above 4 s, 4 half-open
calls, 5 s open wait, minimum 5 calls) with a count-based window of 20 calls in place of its 20-second
time window. ``transitionToOpenState()`` is ``trip()``; ``transitionToHalfOpenState()`` is letting the
open wait pass (the next ``acquire()`` half-opens); ``tryAcquirePermission()`` is ``acquire()`` not
raising ``BreakerOpen``; ``releasePermission()`` and an ignored exception are ``release(permit)``;
``onSuccess``/``onError`` are ``record(permit, success=…, duration=…)``; ``reset()`` is
``breaker_reset``; the mock clock is the row's ``opened_at`` moved back. resilience4j's
not-permitted-calls counter has no equivalent here (a refusal is a ``BreakerOpen``), and a breaker
that opens starts its next state with an empty window, so its figures are read from ``last_failure``.
"""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from reliability.breakers import (
    FAILURE,
    SLOW_FAILURE,
    SLOW_SUCCESS,
    BreakerOpen,
    breaker,
    breaker_disable,
    breaker_force_open,
    breaker_reset,
    window_failure_rate,
)
from reliability.models import BreakerForce, BreakerState, CircuitBreaker

pytestmark = pytest.mark.django_db

NAME = "r4j"
SETUP = {  # CircuitBreakerStateMachineTest.setUp, count-based
    "window_size": 20, "minimum_calls": 5, "failure_rate": 50, "slow_call_rate": 50, "slow_call_seconds": 4,
    "open_seconds": 5, "half_open_permits": 4, "permit_ttl_seconds": 30,
}
FAST, SLOW = 0.0, 5.0


def configure(settings, **overrides):
    settings.BREAKERS = {**django_settings.BREAKERS, NAME: {**SETUP, **overrides}}


@pytest.fixture(autouse=True)
def r4j_settings(settings):
    configure(settings)
    settings.BREAKER_CACHE_SECONDS = 0


def row() -> CircuitBreaker:
    return CircuitBreaker.objects.get(name=NAME)


def state() -> str:
    return breaker(NAME).state()


def try_acquire(b):
    """resilience4j's tryAcquirePermission: a permit, or None when refused."""
    try:
        return b.acquire()
    except BreakerOpen:
        return None


def on_success(b, duration=FAST):
    b.record(b.acquire(), success=True, duration=duration)


def on_error(b, duration=FAST):
    b.record(b.acquire(), success=False, duration=duration)


def buffered() -> tuple[int, int, int]:
    """(buffered calls, failed calls, slow calls) of the current window."""
    window = row().window
    failed = sum(1 for o in window if o in (FAILURE, SLOW_FAILURE))
    slow = sum(1 for o in window if o in (SLOW_FAILURE, SLOW_SUCCESS))
    return len(window), failed, slow


def advance_clock(seconds: float) -> None:
    """The mock clock: the open wait is measured from ``opened_at``."""
    CircuitBreaker.objects.filter(name=NAME).update(opened_at=timezone.now() - timedelta(seconds=seconds))


def to_half_open(b):
    """transitionToOpenState(); transitionToHalfOpenState()."""
    b.trip("test")
    advance_clock(SETUP["open_seconds"] + 1)


def acquire_n(b, n: int) -> list:
    return [try_acquire(b) for _ in range(n)]


# --- CircuitBreakerStateMachineTest ---------------------------------------------------------------


def test_shouldThrowCallNotPermittedExceptionWhenStateIsOpen():
    """CircuitBreakerStateMachineTest.shouldThrowCallNotPermittedExceptionWhenStateIsOpen"""
    b = breaker(NAME)
    b.trip("test")
    with pytest.raises(BreakerOpen) as refused:
        b.acquire()
    assert refused.value.state == BreakerState.OPEN


def test_shouldThrowCallNotPermittedExceptionWhenStateIsForcedOpen():
    """CircuitBreakerStateMachineTest.shouldThrowCallNotPermittedExceptionWhenStateIsForcedOpen"""
    breaker_force_open(NAME, user=None)
    with pytest.raises(BreakerOpen) as refused:
        breaker(NAME).acquire()
    assert refused.value.state == BreakerForce.FORCED_OPEN and refused.value.retry_at is None


def test_shouldIncreaseCounterOnReleasePermission():
    """CircuitBreakerStateMachineTest.shouldIncreaseCounterOnReleasePermission"""
    b = breaker(NAME)
    to_half_open(b)
    permits = acquire_n(b, 4)
    assert all(permits)
    assert acquire_n(b, 2) == [None, None]
    b.release(permits[0])
    assert try_acquire(b) is not None


def test_shouldThrowCallNotPermittedExceptionWhenNotFurtherTestCallsArePermitted():
    """CircuitBreakerStateMachineTest.shouldThrowCallNotPermittedExceptionWhenNotFurtherTestCallsArePermitted"""
    b = breaker(NAME)
    to_half_open(b)
    assert all(acquire_n(b, 4))
    with pytest.raises(BreakerOpen) as refused:
        b.acquire()
    assert refused.value.state == BreakerState.HALF_OPEN


def test_shouldOnlyPermitFourCallsInHalfOpenState():
    """CircuitBreakerStateMachineTest.shouldOnlyPermitFourCallsInHalfOpenState"""
    b = breaker(NAME)
    to_half_open(b)
    first_round = acquire_n(b, 6)
    assert state() == BreakerState.HALF_OPEN
    assert [p is not None for p in first_round] == [True] * 4 + [False] * 2
    to_half_open(b)  # open again, then half-open again: a fresh set of permits
    second_round = acquire_n(b, 6)
    assert [p is not None for p in second_round] == [True] * 4 + [False] * 2


def test_shouldOpenAfterFailureRateThresholdExceeded2():
    """CircuitBreakerStateMachineTest.shouldOpenAfterFailureRateThresholdExceeded2 (3 successes, 3 failures)"""
    b = breaker(NAME)
    for _ in range(3):
        on_success(b)
    on_error(b)
    on_error(b)
    assert state() == BreakerState.CLOSED  # 2 of 5: 40 %
    on_error(b)
    assert state() == BreakerState.OPEN  # 3 of 6: 50 %


def test_shouldOpenAfterFailureRateThresholdExceeded():
    """CircuitBreakerStateMachineTest.shouldOpenAfterFailureRateThresholdExceeded"""
    b = breaker(NAME)
    assert try_acquire(b) is not None and state() == BreakerState.CLOSED
    expected = [(1, 1, 0), (2, 2, 0), (3, 3, 0)]
    for figures in expected:
        on_error(b)
        assert state() == BreakerState.CLOSED and buffered() == figures
    on_success(b)
    assert state() == BreakerState.CLOSED and buffered() == (4, 3, 0)  # below the minimum of 5: no verdict
    on_success(b)
    opened = row()
    assert opened.state == BreakerState.OPEN
    assert "failure rate 60%" in opened.last_failure and "over 5 calls" in opened.last_failure
    assert try_acquire(b) is None


def test_shouldOpenAfterSlowCallRateThresholdExceeded():
    """CircuitBreakerStateMachineTest.shouldOpenAfterSlowCallRateThresholdExceeded"""
    b = breaker(NAME)
    on_error(b, SLOW)
    on_success(b, SLOW)
    on_error(b, 0.1)
    on_success(b, 0.1)
    assert state() == BreakerState.CLOSED
    on_success(b, SLOW)
    opened = row()
    assert opened.state == BreakerState.OPEN
    assert "slow calls 60%" in opened.last_failure and "failure rate 40%" in opened.last_failure


def test_shouldOpenAfterSlowCallRateThresholdExceededUsingMockClock():
    """CircuitBreakerStateMachineTest.shouldOpenAfterSlowCallRateThresholdExceededUsingMockClock"""
    b = breaker(NAME)
    for seconds, figures in [(5, (1, 0, 1)), (5, (2, 0, 2)), (1, (3, 0, 2)), (1, (4, 0, 2))]:
        on_success(b, seconds)
        assert state() == BreakerState.CLOSED and buffered() == figures
    on_success(b, 5)
    assert state() == BreakerState.OPEN and "slow calls 60% over 5 calls" in row().last_failure


def test_shouldTransitionToHalfOpenAfterWaitDuration():
    """CircuitBreakerStateMachineTest.shouldTransitionToHalfOpenAfterWaitDuration"""
    b = breaker(NAME)
    b.trip("test")
    assert try_acquire(b) is None
    advance_clock(3)
    assert state() == BreakerState.OPEN and try_acquire(b) is None  # 3 s of the 5 s wait
    advance_clock(6)
    assert try_acquire(b) is not None
    assert state() == BreakerState.HALF_OPEN and buffered() == (0, 0, 0)


def test_shouldTransitionBackToOpenStateWhenFailureRateIsAboveThreshold():
    """CircuitBreakerStateMachineTest.shouldTransitionBackToOpenStateWhenFailureRateIsAboveThreshold

    Half-open decides only once all 4 permitted calls reported: after 2 failures it still lets the
    third call through."""
    b = breaker(NAME)
    to_half_open(b)
    on_error(b)
    on_error(b)
    on_success(b)
    assert state() == BreakerState.HALF_OPEN
    on_error(b)
    reopened = row()
    assert reopened.state == BreakerState.OPEN and "failure rate 75%" in reopened.last_failure


def test_shouldTransitionBackToOpenStateWhenSlowCallRateIsAboveThreshold():
    """CircuitBreakerStateMachineTest.shouldTransitionBackToOpenStateWhenSlowCallRateIsAboveThreshold"""
    b = breaker(NAME)
    to_half_open(b)
    for _ in range(3):
        on_success(b, SLOW)
        assert state() == BreakerState.HALF_OPEN
    on_success(b, 1)
    reopened = row()
    assert reopened.state == BreakerState.OPEN
    assert "slow calls 75%" in reopened.last_failure and "failure rate 0%" in reopened.last_failure


def test_shouldTransitionBackToClosedStateWhenFailureIsBelowThreshold():
    """CircuitBreakerStateMachineTest.shouldTransitionBackToClosedStateWhenFailureIsBelowThreshold"""
    b = breaker(NAME)
    to_half_open(b)
    on_error(b)
    for _ in range(3):
        on_success(b)
    assert try_acquire(b) is not None
    assert state() == BreakerState.CLOSED and buffered() == (0, 0, 0)
    on_success(b)
    assert buffered() == (1, 0, 0)


def test_shouldResetMetrics():
    """CircuitBreakerStateMachineTest.shouldResetMetrics"""
    b = breaker(NAME)
    on_success(b)
    on_error(b)
    assert buffered() == (2, 1, 0)
    breaker_reset(NAME, user=None)
    assert buffered() == (0, 0, 0)


def test_shouldDisableCircuitBreaker():
    """CircuitBreakerStateMachineTest.shouldDisableCircuitBreaker"""
    b = breaker(NAME)
    breaker_disable(NAME, user=None)
    assert state() == BreakerForce.DISABLED
    on_success(b)
    for _ in range(4):
        on_error(b)
    assert buffered() == (0, 0, 0) and state() == BreakerForce.DISABLED


def test_shouldForceOpenCircuitBreaker():
    """CircuitBreakerStateMachineTest.shouldForceOpenCircuitBreaker"""
    b = breaker(NAME)
    breaker_force_open(NAME, user=None)
    assert state() == BreakerForce.FORCED_OPEN and try_acquire(b) is None
    advance_clock(6)  # past the 5 s wait: a forced state does not half-open
    assert try_acquire(b) is None and state() == BreakerForce.FORCED_OPEN
    assert buffered() == (0, 0, 0)


def test_shouldReleasePermissionWhenExceptionIgnored():
    """CircuitBreakerStateMachineTest.shouldReleasePermissionWhenExceptionIgnored"""
    b = breaker(NAME)
    to_half_open(b)
    for count in (1, 2, 3):
        on_success(b)
        assert state() == BreakerState.HALF_OPEN and buffered() == (count, 0, 0)
    b.release(b.acquire())  # the ignored exception: the permit is released, nothing recorded
    assert state() == BreakerState.HALF_OPEN and buffered() == (3, 0, 0)
    on_error(b)  # 1 of 4: 25 %
    assert state() == BreakerState.CLOSED and buffered() == (0, 0, 0)


def test_shouldIgnoreExceptionsAndThenTransitionToClosed():
    """CircuitBreakerStateMachineTest.shouldIgnoreExceptionsAndThenTransitionToClosed"""
    b = breaker(NAME)
    to_half_open(b)
    for _ in range(4):
        b.release(b.acquire())
        assert state() == BreakerState.HALF_OPEN
    assert buffered() == (0, 0, 0)
    for _ in range(3):
        on_success(b)
        assert state() == BreakerState.HALF_OPEN
    assert buffered() == (3, 0, 0)
    on_success(b)
    assert state() == BreakerState.CLOSED and buffered() == (0, 0, 0)


def test_shouldNotAllowTransitionFromClosedToHalfOpen():
    """CircuitBreakerStateMachineTest.shouldNotAllowTransitionFromClosedToHalfOpen: only an open breaker
    half-opens; a closed one hands out ordinary permits whatever its last opening was."""
    b = breaker(NAME)
    on_success(b)
    advance_clock(SETUP["open_seconds"] + 1)
    permit = b.acquire()
    assert permit.token == "" and state() == BreakerState.CLOSED and row().half_open_permits == []


def test_shouldResetToClosedState():
    """CircuitBreakerStateMachineTest.shouldResetToClosedState"""
    b = breaker(NAME)
    b.trip("test")
    breaker_reset(NAME, user=None)
    assert state() == BreakerState.CLOSED and try_acquire(b) is not None


def test_shouldResetClosedState():
    """CircuitBreakerStateMachineTest.shouldResetClosedState"""
    b = breaker(NAME)
    on_success(b)
    on_success(b)
    assert buffered() == (2, 0, 0)
    breaker_reset(NAME, user=None)
    assert state() == BreakerState.CLOSED and buffered() == (0, 0, 0)


def test_circuitBreakerDoesNotPublishStateTransitionEventsForInternalTransitions():
    """CircuitBreakerStateMachineTest.circuitBreakerDoesNotPublishStateTransitionEventsForInternalTransitions

    The generation counter is the transition record: open → open and half-open → half-open keep it."""
    b = breaker(NAME)
    b.trip("first")
    opened = row()
    b.trip("again")
    assert (row().generation, row().open_count) == (opened.generation, 1)
    advance_clock(SETUP["open_seconds"] + 1)
    b.acquire()
    half_open = row().generation
    assert half_open == opened.generation + 1
    b.acquire()
    assert row().generation == half_open and state() == BreakerState.HALF_OPEN


def test_circuitBreakerInitializeInClosedState():
    """CircuitBreakerStateMachineTest.circuitBreakerInitializeInClosedState"""
    b = breaker(NAME)
    assert state() == BreakerState.CLOSED and not b.is_open()
    b.trip("test")
    assert state() == BreakerState.OPEN


# --- CircuitBreakerMetricsTest, CircuitBreakerConfigTest ---------------------------------------------


def test_testCircuitBreakerMetrics(settings):
    """CircuitBreakerMetricsTest.testCircuitBreakerMetrics (count-based window of 10, minimum 10 calls)"""
    configure(settings, window_size=10, minimum_calls=10)
    b = breaker(NAME)
    for outcome in (on_success, on_success, on_error, on_error):
        outcome(b)
    assert buffered() == (4, 2, 0) and state() == BreakerState.CLOSED  # below the minimum: no verdict
    for _ in range(4):
        on_error(b)
    on_success(b)
    assert state() == BreakerState.CLOSED  # 6 of 9 failed, still below the minimum
    on_success(b)
    opened = row()
    assert opened.state == BreakerState.OPEN
    assert "failure rate 60%" in opened.last_failure and "over 10 calls" in opened.last_failure


def test_shouldReduceMinimumNumberOfCallsToSlidingWindowSize(settings):
    """CircuitBreakerConfigTest.shouldReduceMinimumNumberOfCallsToSlidingWindowSize: window 5, minimum 6
    behaves as minimum 5 (CircuitBreakerMetrics caps it with Math.min)."""
    configure(settings, window_size=5, minimum_calls=6)
    b = breaker(NAME)
    for _ in range(4):
        on_error(b)
    assert state() == BreakerState.CLOSED
    on_error(b)
    assert state() == BreakerState.OPEN and "over 5 calls" in row().last_failure


def test_slow_call_threshold_is_strictly_greater(settings):
    """CircuitBreakerMetrics.onSuccess/onError: a call is slow when its duration is *greater than*
    slowCallDurationThreshold (``durationUnit.toNanos(duration) > slowCallDurationThresholdInNanos``)."""
    b = breaker(NAME)
    for _ in range(5):
        on_success(b, duration=4.0)  # exactly the threshold: not slow
    assert state() == BreakerState.CLOSED and buffered() == (5, 0, 0)
    on_success(b, duration=4.001)
    assert buffered() == (6, 0, 1)


# --- FixedSizeSlidingWindowMetricsTest --------------------------------------------------------------


def test_testSlidingWindowMetrics(settings):
    """FixedSizeSlidingWindowMetricsTest.testSlidingWindowMetrics (window of 4)"""
    configure(settings, window_size=4, minimum_calls=4)
    b = breaker(NAME)
    figures = []
    for outcome in (on_error, on_success, on_success, on_success, on_success):
        outcome(b)
        figures.append((len(row().window), round(window_failure_rate(row().window), 2)))
    assert figures == [(1, 100.0), (2, 50.0), (3, 33.33), (4, 25.0), (4, 0.0)]  # the fifth call slid out the first
    assert state() == BreakerState.CLOSED


def test_testSlowCallsPercentage(settings):
    """FixedSizeSlidingWindowMetricsTest.testSlowCallsPercentage (window of 5): 2 slow of 5 is 40 %"""
    configure(settings, window_size=5, minimum_calls=5)
    b = breaker(NAME)
    on_success(b, 10)
    on_error(b, 10)
    for _ in range(3):
        on_success(b, 0.1)
    assert buffered() == (5, 1, 2)  # 4 successes, 1 slow success, 1 slow failure
    assert state() == BreakerState.CLOSED  # 40 % slow and 20 % failed: below both thresholds of 50 %
