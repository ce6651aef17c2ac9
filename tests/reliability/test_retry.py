"""Full-jitter backoff: U(0, min(cap, base·2^attempt)); Retry-After is a floor."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from reliability.retry import backoff_ceiling, backoff_delay, next_attempt_at, parse_retry_after, retry_delay

DRAWS = 2000


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 2.0), (1, 4.0), (3, 16.0), (5, 60.0), (40, 60.0), (5000, 60.0)])
def test_delays_stay_within_zero_and_the_capped_exponential(attempt, ceiling):
    assert backoff_ceiling(attempt, base=2, cap=60) == ceiling
    draws = [backoff_delay(attempt, base=2, cap=60) for _ in range(DRAWS)]
    assert all(0.0 <= d <= ceiling for d in draws)


def test_delays_are_spread_over_the_whole_interval_not_clustered():
    draws = [backoff_delay(4, base=1, cap=100) for _ in range(DRAWS)]  # U(0, 16)
    quarters = [sum(1 for d in draws if q * 4 <= d < (q + 1) * 4) for q in range(4)]
    assert all(count > DRAWS / 8 for count in quarters), quarters  # each quarter holds ~25 %
    assert 6.5 < sum(draws) / DRAWS < 9.5  # mean of U(0, 16) is 8


def test_retry_after_is_never_undercut():
    for attempt in range(8):
        for _ in range(200):
            delay = retry_delay(attempt, base=2, cap=60, retry_after=30)
            assert 30 <= delay <= 30 + min(60, 2 * 2**attempt)


def test_next_attempt_at_is_now_plus_the_delay():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for _ in range(DRAWS // 4):
        when = next_attempt_at(2, base=5, cap=300, now=now)
        assert now <= when <= now + timedelta(seconds=20)
        with_floor = next_attempt_at(0, base=5, cap=300, retry_after=120, now=now)
        assert now + timedelta(seconds=120) <= with_floor <= now + timedelta(seconds=125)


def test_next_attempt_at_defaults_to_the_current_time():
    assert next_attempt_at(0, base=0, cap=0).tzinfo is not None


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError):
        backoff_delay(-1, base=1, cap=10)
    with pytest.raises(ValueError):
        backoff_delay(1, base=-1, cap=10)


def test_retry_after_header_in_seconds_or_http_date():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after(12) == 12.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
