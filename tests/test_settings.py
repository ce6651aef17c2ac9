"""Settings come from the environment: databases, Redis, production refusals, and the Q_CLUSTER rules."""

import json
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.checks.registry import registry

from djobea.checks import q_cluster_errors, q_cluster_rules

BASE_DIR = django_settings.BASE_DIR
SNAPSHOT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({"db": s.DATABASES["default"], "q": s.Q_CLUSTER, "cache": s.CACHES["default"],
                  "debug": s.DEBUG, "hosts": s.ALLOWED_HOSTS}, default=str))
"""
GOOD_Q = {"timeout": 60, "retry": 120, "max_attempts": 1, "ack_failures": True, "catch_up": False}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python in a clean environment: only what the test passes, no inherited DATABASE_URL or DEBUG."""
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "djobea.settings", "PYTHONPATH": str(BASE_DIR), **env}
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def _snapshot(**env: str) -> dict:
    result = _run(["-c", SNAPSHOT], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_default_is_a_sqlite_file_and_the_orm_broker():
    snap = _snapshot()
    assert snap["db"]["ENGINE"].endswith("sqlite3")
    assert snap["db"]["NAME"].endswith("djobea.sqlite3")
    assert snap["db"]["OPTIONS"]["timeout"] == 20
    assert snap["q"]["orm"] == "default" and "redis" not in snap["q"]
    assert "locmem" in snap["cache"]["BACKEND"].lower()


def test_database_url_selects_postgresql_through_psycopg():
    snap = _snapshot(DATABASE_URL="postgres://djobea:s3cret@db.internal:6543/djobea_prod")
    db = snap["db"]
    assert db["ENGINE"] == "django_prometheus.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], int(db["PORT"])) == (
        "djobea_prod", "djobea", "s3cret", "db.internal", 6543,
    )


def test_redis_url_moves_the_task_broker_and_the_cache_to_redis():
    snap = _snapshot(REDIS_URL="redis://127.0.0.1:6379/2")
    assert snap["q"]["redis"] == "redis://127.0.0.1:6379/2"
    assert "orm" not in snap["q"]
    assert "redis" in snap["cache"]["BACKEND"].lower()
    assert snap["cache"]["LOCATION"] == "redis://127.0.0.1:6379/2"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "djobea.cm"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "k" * 60}, "ALLOWED_HOSTS must be set"),
        ({"SECRET_KEY": "", "ALLOWED_HOSTS": "djobea.cm"}, "SECRET_KEY must be set"),
    ],
)
def test_production_refuses_to_start_without_secret_key_or_allowed_hosts(env, message):
    result = _run(["manage.py", "check"], DEBUG="false", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deploy_checklist():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false", SECRET_KEY="x7-" + "q9Zr4LmN2pVt8sKw" * 4, ALLOWED_HOSTS="djobea.cm,www.djobea.cm",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_debug_off_and_keeps_the_hosts():
    snap = _snapshot(DEBUG="false", SECRET_KEY="s" * 60, ALLOWED_HOSTS="djobea.cm,api.djobea.cm")
    assert snap["debug"] is False
    assert snap["hosts"] == ["djobea.cm", "api.djobea.cm"]


def test_shipped_q_cluster_follows_the_rules():
    assert q_cluster_errors(django_settings.Q_CLUSTER) == []


@pytest.mark.parametrize(
    ("override", "error_id"),
    [
        ({"timeout": 120, "retry": 60}, "djobea.E001"),
        ({"timeout": 60, "retry": 60}, "djobea.E001"),
        ({"timeout": None}, "djobea.E001"),
        ({"max_attempts": 0}, "djobea.E002"),
        ({"max_attempts": 3}, "djobea.E002"),
        ({"ack_failures": False}, "djobea.E003"),
        ({"catch_up": True}, "djobea.E004"),
    ],
)
def test_q_cluster_check_flags_each_broken_rule(override, error_id):
    errors = q_cluster_errors({**GOOD_Q, **override})
    assert [error.id for error in errors] == [error_id]


def test_q_cluster_check_flags_an_empty_config_on_every_rule():
    assert [e.id for e in q_cluster_errors({})] == ["djobea.E001", "djobea.E002", "djobea.E003", "djobea.E004"]


def test_q_cluster_check_is_registered_with_django_and_reads_the_live_settings(settings):
    assert q_cluster_rules in registry.get_checks()
    settings.Q_CLUSTER = {**GOOD_Q, "retry": 30}
    assert [error.id for error in q_cluster_rules()] == ["djobea.E001"]


def test_q_cluster_check_reads_each_named_cluster_over_the_base_settings(settings):
    settings.Q_CLUSTER = {**GOOD_Q, "ALT_CLUSTERS": {"ops": {"workers": 4}, "bulk": {"timeout": 300}}}
    assert [error.id for error in q_cluster_rules()] == ["djobea.E001"]


def test_the_ops_cluster_is_declared_and_a_named_cluster_process_reads_its_settings():
    snap = _snapshot(Q_CLUSTER_NAME="ops", Q_OPS_WORKERS="3")
    assert snap["q"]["ALT_CLUSTERS"]["ops"]["workers"] == 3
    code = ("import django; django.setup(); from django_q.conf import Conf; "
            "print(Conf.CLUSTER_NAME, Conf.PREFIX, Conf.WORKERS)")
    result = _run(["-c", code], Q_CLUSTER_NAME="ops", Q_OPS_WORKERS="3")
    assert result.stdout.split()[-3:] == ["ops", "djobea", "3"], result.stderr


def test_the_channel_declarations_are_checked_at_start(settings):
    from djobea.checks import channel_errors

    assert channel_errors(settings.MESSAGING_CHANNELS, backend="twilio") == []
    broken = {**settings.MESSAGING_CHANNELS, "sms": {**settings.MESSAGING_CHANNELS["sms"], "concurrency": 0}}
    del broken["email"]
    ids = {error.id for error in channel_errors(broken, backend="carrier-pigeon")}
    assert ids == {"djobea.E020", "djobea.E022", "djobea.E023"}
