"""Admin logins limited per account and per address, counted in the shared cache (every process sees them).

Past the limit the login is refused even with the right password until the window has passed, so
guessing a password costs hours, not seconds. The admin form shows Django's usual "incorrect
username or password", which tells an attacker nothing.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.exceptions import PermissionDenied

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """REMOTE_ADDR, or the first address of LOGIN_CLIENT_IP_HEADER behind a proxy that sets it."""
    if request is None:
        return ""
    header = settings.LOGIN_CLIENT_IP_HEADER
    forwarded = request.META.get(header, "") if header else ""
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


def _counters(request, username: str) -> list[tuple[str, int]]:
    account = hashlib.sha256((username or "").lower().encode()).hexdigest()[:32]
    return [(f"login-failures:account:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT),
            (f"login-failures:address:{client_address(request)}", settings.LOGIN_FAILURES_PER_ADDRESS)]


class RateLimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        cache = caches["shared"]
        counters = _counters(request, username)
        if any((cache.get(key) or 0) >= limit for key, limit in counters):
            logger.warning("login refused: too many failed attempts for this account or address (%s)",
                           client_address(request))
            raise PermissionDenied  # django.contrib.auth stops here and reports a failed login
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            for key, _limit in counters:
                cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
                cache.incr(key)
        return user
