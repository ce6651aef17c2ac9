"""Monitoring at volume: seed 10k → 100k → 1M delivery attempts (200k notifications at the top) into a
throwaway PostgreSQL database, then time the dashboard, every monitoring API endpoint, /metrics and
/health/, and count their queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/djobea .venv/bin/python benchmarks/monitoring_volume.py

DATABASE_URL names the server and a database name; the benchmark creates ``<name>_monitoring_bench``
(through the ``postgres`` maintenance database), drops it at the end (``--keep`` keeps it) and never
touches the named database itself.
Rows are spread over 30 days (so the last hour holds ~1/720 of them) and inserted with COPY.
Prints one table: the best of 5 runs in milliseconds after a warm-up, queries per request, and the
1M/10k time ratio (the growth you should expect from more data).
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djobea.settings")  # as manage.py does
django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

LEVELS = [10_000, 100_000, 1_000_000]
NOTIFICATIONS_PER_ATTEMPT = 0.2  # 200k notifications at 1M attempts
DAYS = 30
OUTCOMES = [("delivered", 55), ("sent", 25), ("failed", 12), ("undelivered", 3), ("skipped", 4), ("unknown", 1)]
CODES = [("63007", "channel_config"), ("63038", "quota"), ("timeout", "transient"), ("http_503", "transient"),
         ("30005", "recipient"), ("21211", "recipient"), ("63016", "window")]
STATUSES = [("delivered", 50), ("read", 20), ("sent", 16), ("pending", 5), ("failed", 4), ("dead", 4),
            ("sending", 1)]
ENDPOINTS = [
    ("GET", "/admin/monitoring/"),
    ("GET", "/api/monitoring/dashboard/"),
    ("GET", "/api/monitoring/health/"),
    ("GET", "/api/monitoring/errors/"),
    ("GET", "/api/monitoring/proactive-updates/"),
    ("GET", "/api/monitoring/communication-status/"),
    ("POST", "/api/monitoring/retry-failed-messages/"),
    ("GET", "/metrics"),
    ("GET", "/health/?format=json"),
]


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, weights


def use_bench_database() -> str:
    default = settings.DATABASES["default"]
    if "postgresql" not in default["ENGINE"]:
        sys.exit("Set DATABASE_URL=postgres://… : the benchmark needs PostgreSQL (COPY, realistic plans).")
    name = f"{default['NAME']}_monitoring_bench"
    connections["default"].settings_dict["NAME"] = "postgres"  # the maintenance database, to create ours
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    default["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)
    return name


def copy_rows(table: str, columns: list[str], rows) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor (under django-prometheus' wrapper)
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def seed_notifications(start: int, stop: int, now, rng) -> None:
    statuses, weights = _weighted(STATUSES)
    columns = ["idempotency_key", "recipient_phone", "recipient_email", "language", "body", "template_sid",
               "template_variables", "channels", "channel", "priority", "status", "attempts", "total_attempts",
               "next_attempt_at", "provider_sid", "last_error_code", "last_error_category", "last_error",
               "support_code", "subject", "created_at", "updated_at"]

    def rows():
        for i in range(start, stop):
            at = now - timedelta(seconds=rng.random() * DAYS * 86400)
            status = rng.choices(statuses, weights)[0]
            failed = status in ("failed", "dead")
            code, category = rng.choice(CODES) if failed else ("", "")
            due = {"pending": now - timedelta(seconds=rng.random() * 30),
                   "failed": now + timedelta(seconds=rng.random() * 600)}.get(status, at)
            yield (f"bench-{i}", f"+2376{i % 100_000_000:08d}", "", "fr", "Bonjour", "", "{}",
                   '["whatsapp", "sms"]', rng.choice(["whatsapp", "sms"]), 50, status, int(failed), int(failed),
                   due, "", code, category, "", f"DJB-B{i:06d}"[:16] if status == "dead" else "",
                   f"request:{i % 5000}", at, at)

    copy_rows("messaging_notification", columns, rows())


def seed_attempts(count: int, notification_ids: list[int], now, rng) -> None:
    outcomes, weights = _weighted(OUTCOMES)
    columns = ["notification_id", "channel", "started_at", "duration_ms", "outcome", "error_code", "category",
               "message", "provider_sid"]

    def rows():
        # Attempts arrive in time order in production, so the table is roughly sorted by started_at.
        ages = sorted((rng.random() * DAYS * 86400 for _ in range(count)), reverse=True)
        for age in ages:
            outcome = rng.choices(outcomes, weights)[0]
            code, category = rng.choice(CODES) if outcome in ("failed", "undelivered") else ("", "")
            yield (rng.choice(notification_ids), rng.choice(["whatsapp", "sms"]), now - timedelta(seconds=age),
                   rng.randint(40, 900), outcome, code, category, "", "")

    copy_rows("messaging_deliveryattempt", columns, rows())


def grow_to(level: int, seeded: dict, now, rng) -> None:
    from messaging.models import Notification

    target_notifications = int(level * NOTIFICATIONS_PER_ATTEMPT)
    seed_notifications(seeded["notifications"], target_notifications, now, rng)
    seeded["notifications"] = target_notifications
    ids = list(Notification.objects.values_list("pk", flat=True))
    seed_attempts(level - seeded["attempts"], ids, now, rng)
    seeded["attempts"] = level
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does to a live table: statistics, visibility map


def measure(client: Client, method: str, path: str, runs: int = 5) -> tuple[float, int]:
    def call():
        cache.clear()  # the API's throttle counts live in the cache; the benchmark is not a client
        if method == "POST":
            response = client.post(path, {"dry_run": True, "code": "63007"}, content_type="application/json")
        else:
            response = client.get(path)
        assert response.status_code in (200, 500), (path, response.status_code)  # /health/ may report an outage
        return response

    call()  # warm-up (plans, caches)
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return min(times), queries  # the best of 5: the work itself, less the noise of a shared machine


def make_client() -> Client:
    from django.contrib.auth import get_user_model

    from reliability.health import heartbeat_beat
    from reliability.models import DegradationState

    heartbeat_beat()
    DegradationState.objects.get_or_create(pk=1)
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True,
                                                                                 "is_superuser": True})
    client = Client()
    client.force_login(user)
    return client


def print_table(results: dict) -> None:
    head = f"{'endpoint':45}" + "".join(f"{level:>10,} ms  q" for level in LEVELS) + "   1M/10k"
    print(head)
    print("-" * len(head))
    for method, path in ENDPOINTS:
        cells = "".join(f"{results[level][path][0]:>13.1f} {results[level][path][1]:>2}" for level in LEVELS)
        ratio = results[LEVELS[-1]][path][0] / max(results[LEVELS[0]][path][0], 0.01)
        print(f"{method + ' ' + path:45}{cells}   {ratio:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    name = use_bench_database()
    rng, now, seeded, results = random.Random(42), timezone.now(), {"notifications": 0, "attempts": 0}, {}
    client = make_client()
    try:
        for level in LEVELS:
            started = time.perf_counter()
            grow_to(level, seeded, now, rng)
            make_client()  # a fresh heartbeat, so /health/ measures its normal path
            print(f"seeded {level:,} attempts / {seeded['notifications']:,} notifications "
                  f"in {time.perf_counter() - started:.1f} s", flush=True)
            results[level] = {path: measure(client, method, path) for method, path in ENDPOINTS}
        print()
        print_table(results)
    finally:
        connection.close()
        if not args.keep:
            admin_db = {**settings.DATABASES["default"], "NAME": "postgres"}
            connections["default"].settings_dict.update(admin_db)
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.close()


if __name__ == "__main__":
    main()
