"""Pacing a channel: its per-second ceiling (Twilio's per-sender limit) and a pause after a rate answer.

Both are shared by every worker of every node through the default cache (Redis when REDIS_URL is set:
exact and atomic; the database or local-memory cache otherwise: approximate, or per process). A Twilio
rate answer (20429, 63018, a bare 429) pauses the whole channel, not only the message that got it.
"""

import logging
import time
from datetime import datetime, timedelta

from django.core.cache import cache, caches
from django.utils import timezone

from messaging.channels import channel_spec

logger = logging.getLogger(__name__)

RATE_CODES = ("20429", "63018", "http_429")
DEFAULT_PAUSE_SECONDS = 1.0  # a rate answer without Retry-After
PAUSE_LOCAL_SECONDS = 0.5  # how long a worker trusts the pause it last read


def max_per_second(channel: str) -> int | None:
    return channel_spec(channel).max_per_second


def wait_for_slot(channel: str) -> float:
    """Block the calling sender thread until ``channel`` has room in the current second; returns the seconds
    waited. This is pacing inside the worker's own thread, not a retry (no task ever sleeps)."""
    ceiling = max_per_second(channel)
    if not ceiling:
        return 0.0
    waited = 0.0
    while True:
        second = int(time.time())
        key = f"djobea:rate:{channel}:{second}"
        cache.add(key, 0, timeout=5)
        if cache.incr(key) <= ceiling:
            return waited
        pause = second + 1 - time.time()
        time.sleep(max(pause, 0.001))
        waited += max(pause, 0.001)


def channel_pause(channel: str, *, retry_after: float | None) -> datetime:
    """Twilio said "too many requests" on ``channel``: every worker holds its sends until then."""
    until = timezone.now() + timedelta(seconds=retry_after or DEFAULT_PAUSE_SECONDS)
    cache.set(f"djobea:rate-pause:{channel}", until, timeout=int((retry_after or DEFAULT_PAUSE_SECONDS) + 5))
    caches["local"].delete(f"djobea:rate-pause:{channel}")
    logger.warning("%s paused until %s after a rate answer from the provider", channel, until.isoformat())
    return until


def paused_until(channel: str, *, now: datetime) -> datetime | None:
    until = caches["local"].get_or_set(f"djobea:rate-pause:{channel}",
                                       lambda: cache.get(f"djobea:rate-pause:{channel}") or 0, PAUSE_LOCAL_SECONDS)
    return until if until and until > now else None
