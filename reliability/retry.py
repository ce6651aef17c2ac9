"""Retry timing: full-jitter exponential backoff, ``U(0, min(cap, base·2^attempt))``.

The result is stored as ``next_attempt_at`` on the retried row; nothing here sleeps. A
``Retry-After`` from the provider is a floor: the retry never happens earlier than it, and the
jitter is added on top so that every message told "30 s" does not come back in the same second.
"""

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.utils import timezone

# Past this exponent base·2^attempt exceeds any sensible cap; avoids float overflow.
_MAX_EXPONENT = 62


def backoff_ceiling(attempt: int, *, base: float, cap: float) -> float:
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, got {attempt}")
    if base < 0 or cap < 0:
        raise ValueError("base and cap must be >= 0")
    if attempt >= _MAX_EXPONENT:
        return float(cap)
    return float(min(cap, base * 2**attempt))


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry): full jitter."""
    return random.uniform(0.0, backoff_ceiling(attempt, base=base, cap=cap))  # noqa: S311 (not crypto)


def retry_delay(attempt: int, *, base: float, cap: float, retry_after: float | None = None) -> float:
    """The delay actually used: the jittered backoff, never less than ``retry_after`` when given."""
    delay = backoff_delay(attempt, base=base, cap=cap)
    if retry_after is not None and retry_after > 0:
        return float(retry_after) + delay
    return delay


def next_attempt_at(
    attempt: int, *, base: float, cap: float, retry_after: float | None = None, now: datetime | None = None
) -> datetime:
    """When to try again: ``now`` + :func:`retry_delay`. Store it on the row; a sweep picks it up."""
    start = now or timezone.now()
    return start + timedelta(seconds=retry_delay(attempt, base=base, cap=cap, retry_after=retry_after))


def parse_retry_after(value: str | float | int | None, *, now: datetime | None = None) -> float | None:
    """An HTTP ``Retry-After`` value (seconds or an HTTP date) → seconds from now, or None if absent/invalid."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return max(0.0, float(value))
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or timezone.now())).total_seconds())
