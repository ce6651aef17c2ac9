"""Failure records (``ErrorEvent``) that outlive the caller's transaction, and loud logs.

``record_error`` is called on failure paths, often inside a business transaction that is about to
roll back (or is already broken). The record must not go down with it:

* not inside a transaction (autocommit): written at once, on the default connection;
* inside a transaction, PostgreSQL: written at once through a separate, private connection in
  autocommit, so it is committed whatever the caller's transaction does;
* inside a transaction, SQLite: SQLite has one writer, so the record is deferred and written by
  our SQLite backend (reliability.dbbackends.sqlite3) right after the outermost ``atomic`` block
  ends, committed or rolled back;
* inside a test's own transaction (pytest-django ``django_db`` without ``transaction=True``):
  written on the default connection in a savepoint. Nothing can outlive that transaction, and a
  separate connection would either deadlock (SQLite) or leak rows into the next test
  (PostgreSQL). Tests that check survival of a rollback use ``transaction=True``.

The private connection is not one of ``django.db.connections``, so tests need not declare an
extra database alias.
"""

import logging
import traceback as tb
from collections.abc import Callable

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)
from django.db.models.sql import InsertQuery

from .logging import mask_data, mask_text
from .models import ErrorEvent, Severity
from .support_codes import new_support_code
from .task_context import current_task

logger = logging.getLogger("djobea.errors")

_LEVELS = {
    Severity.INFO: logging.INFO,
    Severity.WARNING: logging.WARNING,
    Severity.ERROR: logging.ERROR,
    Severity.CRITICAL: logging.CRITICAL,
}
_CODE_ATTEMPTS = 5


def record_error(
    *,
    category: str,
    message: str,
    severity: str = Severity.ERROR,
    context: dict | None = None,
    subject: str = "",
    exc: BaseException | None = None,
    support_code: str | None = None,
) -> ErrorEvent:
    """Log loudly and store an ``ErrorEvent`` that survives a rollback; returns it (read ``.support_code``).

    Phone numbers in ``message``, ``context`` and the traceback are masked before storing.
    On SQLite inside a transaction the returned event is saved (``pk`` set) once the transaction ends.
    """
    event = ErrorEvent(
        support_code=support_code or new_support_code(),
        category=category[:30],
        severity=severity,
        message=mask_text(str(message)),
        context=mask_data({**current_task(), **(context or {})}),
        traceback=mask_text("".join(tb.format_exception(exc))) if exc is not None else "",
        subject=(subject or "")[:64],
    )
    _log(event, exc)
    _store(event, keep_code=support_code is not None)
    return event


def _log(event: ErrorEvent, exc: BaseException | None) -> None:
    logger.log(
        _LEVELS.get(event.severity, logging.ERROR),
        "[%s] %s: %s", event.support_code, event.category, event.message,
        exc_info=(type(exc), exc, exc.__traceback__) if exc is not None else None,
        extra={
            "support_code": event.support_code,
            "category": event.category,
            "severity": event.severity,
            "subject": event.subject,
            "error_context": event.context,
        },
    )


def _store(event: ErrorEvent, *, keep_code: bool) -> None:
    conn = transaction.get_connection()
    write = _writer(event, keep_code=keep_code)
    if not conn.in_atomic_block or getattr(conn.atomic_blocks[0], "_from_testcase", False):
        write(conn)
    elif conn.vendor == "sqlite" and hasattr(conn, "defer_until_transaction_end"):
        conn.defer_until_transaction_end(write)
    elif conn.vendor == "sqlite":
        logger.warning(
            "[%s] ENGINE is not reliability.dbbackends.sqlite3: this record is lost if the transaction rolls back",
            event.support_code,
        )
        write(conn)
    else:
        own = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            write(own)
        finally:
            own.close()


def _writer(event: ErrorEvent, *, keep_code: bool) -> Callable:
    """``write(connection)``: insert ``event`` through that connection; never raises (the failure is logged)."""

    def write(conn) -> None:
        try:
            _insert_reconnecting(conn, event, keep_code=keep_code)
        except DatabaseError:
            logger.critical(
                "[%s] could not store the error event; its log line above is the only record",
                event.support_code, exc_info=True, extra={"support_code": event.support_code},
            )

    return write


def _insert_reconnecting(conn, event: ErrorEvent, *, keep_code: bool) -> None:
    """Outside a transaction, a connection the database dropped (a restart, a terminated backend) is closed
    and the insert tried once more on a new one: the error event is often written right after that drop."""
    try:
        _insert(conn, event, keep_code=keep_code)
    except (OperationalError, InterfaceError):
        if conn.in_atomic_block:
            raise
        conn.close()
        _insert(conn, event, keep_code=keep_code)


def _insert(conn, event: ErrorEvent, *, keep_code: bool) -> None:
    for _ in range(_CODE_ATTEMPTS):
        try:
            if conn.in_atomic_block:
                with transaction.atomic(using=conn.alias):  # a savepoint, so a collision leaves the caller intact
                    _insert_once(conn, event)
            else:
                _insert_once(conn, event)
            return
        except IntegrityError:
            if keep_code:
                logger.info("[%s] already recorded", event.support_code)
                return
            previous, event.support_code = event.support_code, new_support_code()
            logger.warning("support code %s collided; stored as %s", previous, event.support_code)
    raise IntegrityError(f"no free support code after {_CODE_ATTEMPTS} draws")


def _insert_once(conn, event: ErrorEvent) -> None:
    """INSERT through ``conn`` itself (it may be a private connection, not one of ``connections``)."""
    meta = ErrorEvent._meta
    query = InsertQuery(ErrorEvent)
    query.insert_values([f for f in meta.concrete_fields if not f.primary_key], [event])
    rows = query.get_compiler(connection=conn).execute_sql([meta.pk])
    if rows:
        event.pk = rows[0][0]
    event._state.adding = False
    event._state.db = DEFAULT_DB_ALIAS
