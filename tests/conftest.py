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
    """Run what the code queued in django-q2's ORM broker, in this process, until the queue is empty.

    The tasks are the real ones: same functions, same arguments, loaded from the broker's rows.
    Returns the list of function paths that ran, in order.
    """
    from django_q.models import OrmQ

    def drain(max_tasks: int = 500) -> list[str]:
        ran = []
        while len(ran) < max_tasks:
            package = OrmQ.objects.order_by("id").first()
            if package is None:
                return ran
            task = package.task
            package.delete()
            func = task["func"] if callable(task["func"]) else pydoc.locate(task["func"])
            if func is None:
                raise LookupError(f"queued task function {task['func']!r} does not exist")
            func(*task["args"], **task["kwargs"])
            ran.append(task["func"] if isinstance(task["func"], str) else task["func"].__qualname__)
        raise RuntimeError(f"more than {max_tasks} tasks queued: a task keeps requeueing itself?")

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
