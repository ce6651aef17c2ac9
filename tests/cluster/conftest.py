"""Fixtures for the tests that run Djobea's real processes: PostgreSQL shared with the test, Redis, fake Twilio."""

import os

import pytest
from django.db import connection

from tests import processes


@pytest.fixture
def redis_url():
    """The Redis database these tests may empty (REDIS_TEST_URL, default db 15); skips when nothing answers."""
    url = os.environ.get("REDIS_TEST_URL", processes.DEFAULT_TEST_REDIS_URL)
    if not processes.redis_answers(url):
        reason = f"needs Redis: nothing answers at {url} (start redis-server, or set REDIS_TEST_URL)"
        if os.environ.get("REDIS_TEST_REQUIRED"):
            pytest.fail(reason)  # CI started Redis: a skip there would hide the tests it exists for
        pytest.skip(reason)
    processes.flush_redis(url)
    yield url
    processes.flush_redis(url)


@pytest.fixture
def stack_env(fake_twilio, settings, tmp_path):
    """The environment for child processes: this test's PostgreSQL database, the fake Twilio, signed webhooks.

    No REDIS_URL: a test adds it to run on Redis. Child logs go to ``tmp_path`` (shown on failure).
    """
    port = processes.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": processes.postgres_url(connection.settings_dict),
        "MESSAGING_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
        "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
        "TWILIO_WHATSAPP_FROM": settings.TWILIO_WHATSAPP_FROM,
        "TWILIO_SMS_FROM": settings.TWILIO_SMS_FROM,
        "TWILIO_TIMEOUT_SECONDS": "5",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "WEB_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env.pop("Q_CLUSTER_NAME", None)
    return env


@pytest.fixture
def children(tmp_path):
    """Processes a test starts; all stopped at its end, and their logs printed if it failed."""
    started = []
    yield started
    processes.stop(started)
    for log in sorted(tmp_path.glob("*.log")):
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
