"""Support codes, ErrorEvent that outlives a rollback, loud and masked logs."""

import json
import logging

import pytest
from django.db import IntegrityError, connection, transaction

from core.phones import mask_phone
from reliability.errors import record_error
from reliability.logging import MaskPhonesFilter
from reliability.models import ErrorEvent, Severity
from reliability.support_codes import (
    ALPHABET,
    is_support_code,
    new_support_code,
    normalize_support_code,
)

PHONE = "+237677123412"
MASKED = mask_phone(PHONE)  # "+2376••••••12"


class Boom(Exception):
    pass


# --- support codes ----------------------------------------------------------------------------


def test_support_code_has_the_djb_format_and_no_ambiguous_characters():
    for _ in range(2000):
        code = new_support_code()
        assert code.startswith("DJB-") and len(code) == 10
        assert is_support_code(code)
        assert not set(code[4:]) & set("0O1IL")
    assert not set(ALPHABET) & set("0O1IL")


def test_ten_thousand_support_codes_almost_never_repeat():
    """31^6 ≈ 887 million codes: 10k draws repeat one with ~5 % chance (birthday bound), three or more
    practically never. The stored codes are unique anyway: a collision is drawn again (test below)."""
    codes = [new_support_code() for _ in range(10_000)]
    assert len(set(codes)) >= 10_000 - 2


def test_support_code_typed_by_a_person_is_normalized():
    assert normalize_support_code(" djb 7k3q9x ") == "DJB-7K3Q9X"
    assert normalize_support_code("7K3Q9X") == "DJB-7K3Q9X"
    assert normalize_support_code("hello") == "HELLO"


@pytest.mark.django_db
def test_support_code_is_unique_in_the_database():
    code = new_support_code()
    ErrorEvent.objects.create(support_code=code, category="test", message="first")
    with pytest.raises(IntegrityError), transaction.atomic():
        ErrorEvent.objects.create(support_code=code, category="test", message="second")


# --- record_error -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_error_stores_the_event_with_a_support_code_and_masked_phones():
    try:
        raise Boom(f"twilio refused {PHONE}")
    except Boom as exc:
        event = record_error(
            category="inbound", message=f"processing failed for {PHONE}", exc=exc,
            context={"from": PHONE, "nested": [{"to": PHONE}]}, subject="inbound:SM123",
        )
    stored = ErrorEvent.objects.get(support_code=event.support_code)
    assert is_support_code(stored.support_code)
    assert stored.category == "inbound" and stored.subject == "inbound:SM123"
    assert stored.severity == Severity.ERROR
    assert PHONE not in stored.message and MASKED in stored.message
    assert stored.context == {"from": MASKED, "nested": [{"to": MASKED}]}
    assert "Boom" in stored.traceback and PHONE not in stored.traceback


@pytest.mark.django_db
def test_record_error_with_a_given_code_twice_keeps_one_event():
    code = new_support_code()
    record_error(category="outbound", message="first", support_code=code)
    record_error(category="outbound", message="again", support_code=code)
    assert list(ErrorEvent.objects.filter(support_code=code).values_list("message", flat=True)) == ["first"]


@pytest.mark.django_db
def test_a_colliding_generated_code_is_drawn_again():
    taken = ErrorEvent.objects.create(support_code=new_support_code(), category="x", message="x")
    event = ErrorEvent(support_code=taken.support_code, category="y", message="y")
    from reliability.errors import _store

    _store(event, keep_code=False)
    assert event.support_code != taken.support_code
    assert ErrorEvent.objects.filter(support_code=event.support_code, message="y").exists()


@pytest.mark.django_db(transaction=True)
def test_error_event_survives_the_rollback_of_the_callers_transaction():
    with pytest.raises(Boom), transaction.atomic():
        ErrorEvent.objects.create(support_code=new_support_code(), category="business", message="rolled back")
        event = record_error(category="inbound", message="handler failed", subject="inbound:SM1")
        raise Boom
    assert not connection.in_atomic_block
    assert list(ErrorEvent.objects.values_list("support_code", "category")) == [(event.support_code, "inbound")]
    assert event.pk is not None


@pytest.mark.django_db(transaction=True)
def test_error_event_survives_a_broken_transaction():
    """The seed system's failure: the business transaction is already unusable when the error is recorded."""
    code = new_support_code()
    ErrorEvent.objects.create(support_code=code, category="x", message="taken")
    with pytest.raises(Boom), transaction.atomic():
        try:
            ErrorEvent.objects.create(support_code=code, category="x", message="duplicate")  # breaks the transaction
        except IntegrityError as exc:
            event = record_error(category="intake", message="flush failed", exc=exc)
            raise Boom from exc
    assert ErrorEvent.objects.filter(support_code=event.support_code, category="intake").exists()


@pytest.mark.django_db(transaction=True)
def test_error_event_recorded_in_a_committed_transaction_is_stored_once():
    with transaction.atomic():
        event = record_error(category="outbound", message="recorded, then the work committed")
        with transaction.atomic():
            record_error(category="outbound", message="inner")
    assert ErrorEvent.objects.filter(support_code=event.support_code).count() == 1
    assert ErrorEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_on_postgres_the_error_event_is_committed_before_the_caller_finishes(django_db_blocker):
    """Visible at once from another connection while the caller's transaction is still open."""
    from django.db import DEFAULT_DB_ALIAS, connections

    with pytest.raises(Boom), transaction.atomic():
        event = record_error(category="outbound", message="mid-transaction")
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                sql = "SELECT count(*) FROM reliability_errorevent WHERE support_code = %s"
                cursor.execute(sql, [event.support_code])
                assert cursor.fetchone()[0] == 1
        finally:
            other.close()
        raise Boom
    assert ErrorEvent.objects.filter(support_code=event.support_code).exists()


# --- logs -------------------------------------------------------------------------------------


def _handler(formatter: logging.Formatter, stream):
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(MaskPhonesFilter())
    return handler


@pytest.mark.django_db
def test_record_error_logs_loudly_in_json_with_code_category_subject_and_masked_phones():
    import io

    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = _handler(JsonFormatter("%(levelname)s %(name)s %(message)s"), stream)
    logger = logging.getLogger("djobea.errors")
    logger.addHandler(handler)
    try:
        try:
            raise Boom(f"send to {PHONE} failed")
        except Boom as exc:
            event = record_error(category="outbound", message=f"to {PHONE}", subject="notification:9", exc=exc)
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["levelname"] == "ERROR"
    assert line["support_code"] == event.support_code
    assert line["category"] == "outbound" and line["subject"] == "notification:9"
    assert MASKED in line["message"] and PHONE not in stream.getvalue()
    assert "Boom" in line["exc_info"]


def test_phone_numbers_are_masked_in_text_logs_args_and_extras():
    import io

    stream = io.StringIO()
    handler = _handler(logging.Formatter("%(message)s %(recipient)s %(payload)s"), stream)
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sending to %s", PHONE, extra={"recipient": f"whatsapp:{PHONE}", "payload": {"To": PHONE}})
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    output = stream.getvalue()
    assert PHONE not in output
    assert output.count(MASKED) == 3


# --- admin ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_error_events_are_searchable_by_support_code_and_filterable_in_the_admin(staff_client):
    from django.urls import reverse

    wanted = record_error(category="inbound", message="handler failed", subject="inbound:SM42")
    warning = record_error(category="outbound", message="twilio 503", severity=Severity.WARNING)
    url = reverse("admin:reliability_errorevent_changelist")
    cases = [
        ({"q": wanted.support_code[4:].lower()}, {wanted.support_code}),
        ({"q": "SM42"}, {wanted.support_code}),
        ({"category": "inbound"}, {wanted.support_code}),
        ({"severity": "warning"}, {warning.support_code}),
    ]
    for query, expected in cases:
        response = staff_client.get(url, query)
        assert response.status_code == 200, query
        assert {event.support_code for event in response.context["cl"].result_list} == expected, query
    detail = staff_client.get(reverse("admin:reliability_errorevent_change", args=[wanted.pk]))
    assert detail.status_code == 200 and "handler failed" in detail.content.decode()
    assert staff_client.get(reverse("admin:reliability_errorevent_add")).status_code == 403


def test_production_logging_config_writes_json_lines_with_masked_phones():
    """The real LOGGING setting with DEBUG off: one JSON object per line, extras kept, numbers masked."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('djobea.errors').error('[DJB-7K3Q9X] outbound: to %s', '" + PHONE + "', "
        "extra={'support_code': 'DJB-7K3Q9X', 'category': 'outbound', 'subject': 'notification:1'})"
    )
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "djobea.settings", "DEBUG": "0", "SECRET_KEY": "test-only",
        "ALLOWED_HOSTS": "djobea.test", "LOG_FORMAT": "json",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True,
        text=True, timeout=60, check=True,
    )
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["levelname"] == "ERROR" and line["support_code"] == "DJB-7K3Q9X"
    assert line["category"] == "outbound" and line["subject"] == "notification:1"
    assert line["message"] == f"[DJB-7K3Q9X] outbound: to {MASKED}"
    assert PHONE not in done.stderr


def test_an_error_recorded_inside_a_task_names_the_task_and_one_outside_does_not(db):
    from django_q.tasks import async_task

    task_id = async_task("tests.reliability.task_helpers.record_failure", "inbound:7", sync=True)
    outside = record_error(category="test", message="failed in a request", subject="inbound:8")

    inside = ErrorEvent.objects.get(subject="inbound:7")
    assert inside.context["task_id"] == task_id
    assert inside.context["task_func"] == "tests.reliability.task_helpers.record_failure"
    assert "task_id" not in ErrorEvent.objects.get(support_code=outside.support_code).context


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_error_event_is_stored_after_the_database_dropped_the_connection():
    # Issue 10: the error-event writer kept using a connection the database had terminated.
    import psycopg
    from django.db import connection

    from reliability.errors import record_error
    from reliability.models import ErrorEvent

    connection.ensure_connection()
    backend_pid = connection.connection.info.backend_pid
    params = {k: v for k, v in connection.get_connection_params().items()
              if k not in ("cursor_factory", "context", "prepare_threshold")}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    event = record_error(category="tests.dropped_connection", message="written after the drop")
    assert ErrorEvent.objects.filter(support_code=event.support_code).exists()
