"""django-q2's Redis broker with one connection pool per process.

django-q2 1.11 builds a new Redis client for every ``async_task`` (``get_broker()`` →
``redis.from_url``), so each queued task paid a TCP connection: about 1.5 ms of the webhook's
hot path. redis-py's pool notices a fork and starts afresh in the child, so the task cluster's
worker processes never share a socket with their parent.
"""

from functools import cache

import redis
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


class PooledRedis(Redis):
    @staticmethod
    def get_connection(list_key: str | None = None) -> redis.Redis:
        return _client(Conf.REDIS)
