"""Limits that several processes must share live in the shared cache (database or Redis), not process memory."""

import pytest
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM djobea_shared_cache")
        return cursor.fetchone()[0]


def test_the_api_throttle_counts_in_the_database_cache_every_process_reads(staff_user, settings):
    assert settings.CACHES["shared"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    api = APIClient()
    api.force_authenticate(staff_user)
    assert cache_rows() == 0

    assert api.get("/api/monitoring/proactive-updates/").status_code == 200

    assert cache_rows() == 1
    history = caches["shared"].get(f"throttle_user_{staff_user.pk}")
    assert len(history) == 1


def test_the_throttle_refuses_once_the_shared_history_is_full(staff_user):
    from rest_framework.settings import api_settings

    limit = int(api_settings.DEFAULT_THROTTLE_RATES["user"].split("/")[0])
    import time

    caches["shared"].set(f"throttle_user_{staff_user.pk}", [time.time()] * limit, 60)  # another process's calls
    api = APIClient()
    api.force_authenticate(staff_user)

    assert api.get("/api/monitoring/proactive-updates/").status_code == 429
