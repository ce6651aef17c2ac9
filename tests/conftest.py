"""Shared fixtures. External services are fake servers in tests/fakes; nothing of ours is patched."""

import os
import pydoc

import pytest
from django.db import connection

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright + live_server


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def run_tasks(db):
    """Run what the code queued in django-q2's ORM broker, in this process, until the queue is empty, and
    the outbox's sends as the outbox worker would (sending is not a queued task), until both are idle.

    The tasks are the real ones: same functions, same arguments, loaded from the broker's rows.
    Returns the list of function paths that ran, in order.
    """
    from django_q.models import OrmQ

    from messaging.outbox.dispatch import dispatch_due

    def run_queued(ran: list[str], max_tasks: int) -> None:
        while len(ran) < max_tasks:
            package = OrmQ.objects.order_by("id").first()
            if package is None:
                return
            task = package.task
            package.delete()
            func = task["func"] if callable(task["func"]) else pydoc.locate(task["func"])
            if func is None:
                raise LookupError(f"queued task function {task['func']!r} does not exist")
            func(*task["args"], **task["kwargs"])
            ran.append(task["func"] if isinstance(task["func"], str) else task["func"].__qualname__)
        raise RuntimeError(f"more than {max_tasks} tasks queued: a task keeps requeueing itself?")

    def drain(max_tasks: int = 500) -> list[str]:
        ran: list[str] = []
        for _ in range(20):
            run_queued(ran, max_tasks)
            if not dispatch_due():
                return ran
        raise RuntimeError("the outbox never became idle: a notification keeps coming due at once?")

    return drain


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_superuser(
        username="staff", email="staff@djobea.test", password="staff-pass-123"
    )


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture(autouse=True)
def _fresh_breaker_cache():
    """Each process caches breaker states ~1 s; a test must not see the previous test's (rolled-back) state."""
    from django.core.cache import caches

    from reliability.breakers import clear_cache

    clear_cache()
    for alias in ("default", "local"):  # rate limits and memos kept in caches must not leak between tests
        caches[alias].clear()
    yield
    clear_cache()


@pytest.fixture
def fake_twilio(settings):
    """The fake Twilio server (tests/fakes/twilio_server/), with settings pointing the real client at it."""
    from tests.fakes.twilio_server import FakeTwilio

    server = FakeTwilio().start()
    settings.MESSAGING_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = server.url
    settings.TWILIO_ACCOUNT_SID = server.account_sid
    settings.TWILIO_AUTH_TOKEN = server.auth_token
    settings.TWILIO_WHATSAPP_FROM = "whatsapp:+14155238886"
    settings.TWILIO_SMS_FROM = "+15005550006"
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    settings.TWILIO_WHATSAPP_TEMPLATE_SID = ""
    yield server
    server.stop()


@pytest.fixture
def fake_ai(settings):
    """The fake OpenAI-compatible server (tests/fakes/ai_server.py), with the llm parser pointed at it."""
    from tests.fakes.ai_server import FakeAIServer

    server = FakeAIServer().start()
    settings.AI_BACKEND = "llm"
    settings.AI_BASE_URL = server.url
    settings.AI_API_KEY = "test-ai-key"
    settings.AI_TIMEOUT_SECONDS = 1.0
    yield server
    server.stop()


@pytest.fixture
def demo_data(db, settings):
    """The demo quarters, trades and providers of `manage.py seed_demo` (the intake parser reads them)."""
    from io import StringIO

    settings.DEMO_ADMIN_PASSWORD = "demo-admin-pass-123"

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())


@pytest.fixture(autouse=True)
def _long_running_process(settings):
    """The test process is seconds old: without this, /health/ would grant its start-up grace in every test.
    tests/reliability/test_background.py checks the grace itself."""
    settings.HEARTBEAT_STARTUP_GRACE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs about a second per user on a busy machine; tests don't need slow hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs the block's on-commit callbacks (e.g. queued tasks) at its end.

    Tests under ``django_db`` run inside one transaction that never commits; this stands in for the
    commit, so ``run_tasks`` then finds what the code queued with ``transaction.on_commit``.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _private_spool_dir(settings, tmp_path):
    """Each test spools (database-outage webhooks) into its own empty directory."""
    settings.INBOUND_SPOOL_DIR = str(tmp_path / "inbound-spool")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The local-memory cache outlives a test; rate limits and throttles must start afresh.

    (The database cache needs no clearing: its rows go with the test's rolled-back transaction.)
    """
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    for alias in caches:
        if not isinstance(caches[alias], DatabaseCache):
            caches[alias].clear()
