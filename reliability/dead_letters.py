"""Dead letters: what failed for good, with the reason staff need, and a redrive that runs once.

The owning app registers a redrive handler per kind in its ``AppConfig.ready()``::

    register_redrive_handler("notification", notification_redrive)

A handler receives the ``DeadLetter`` and requeues its object (it runs inside the redrive's
transaction: no network calls there; queue work with ``transaction.on_commit``). If it raises,
that dead letter stays open and the failure is recorded with a support code.
"""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .errors import record_error
from .logging import mask_data, mask_text
from .models import DeadLetter, Severity

logger = logging.getLogger(__name__)

RedriveHandler = Callable[[DeadLetter], None]
_handlers: dict[str, RedriveHandler] = {}


def register_redrive_handler(kind: str, handler: RedriveHandler) -> None:
    _handlers[kind] = handler


def dead_letter_create(
    *,
    kind: str,
    object_id,
    reason: str,
    last_error: str = "",
    error_code: str = "",
    channel: str = "",
    attempts: int = 0,
    payload: dict | None = None,
    support_code: str | None = None,
) -> DeadLetter:
    """The open dead letter of ``kind:object_id`` (created, or updated if the object is already here).

    Runs in the caller's transaction (commit it with the object's own "dead" state). Without a
    ``support_code``, an ErrorEvent is recorded (it outlives a rollback) and its code is used.
    """
    object_id = str(object_id)
    last_error = mask_text(last_error or "")
    if support_code is None:
        support_code = record_error(
            category="dead_letter",
            message=f"{kind} {object_id} dead-lettered ({reason}{f', code {error_code}' if error_code else ''}): "
            f"{last_error}",
            context={"kind": kind, "object_id": object_id, "reason": reason, "error_code": str(error_code),
                     "channel": channel, "attempts": attempts},
            subject=f"{kind}:{object_id}",
        ).support_code
    fields = {
        "reason": reason[:20], "last_error": last_error, "error_code": str(error_code)[:20], "channel": channel[:10],
        "attempts": attempts, "payload": mask_data(payload or {}), "support_code": support_code,
    }
    letter = _upsert_open(kind=kind, object_id=object_id, fields=fields)
    logger.error(
        "[%s] dead letter %s:%s reason=%s code=%s channel=%s", support_code, kind, object_id, reason, error_code,
        channel, extra={"support_code": support_code, "category": "dead_letter", "subject": f"{kind}:{object_id}"},
    )
    return letter


def _upsert_open(*, kind: str, object_id: str, fields: dict) -> DeadLetter:
    """One open dead letter per object (the partial unique constraint); concurrent creators meet here."""
    for _ in range(2):
        with transaction.atomic():
            existing = DeadLetter.objects.select_for_update().filter(
                kind=kind, object_id=object_id, redriven_at__isnull=True
            ).first()
            if existing is not None:
                for name, value in fields.items():
                    setattr(existing, name, value)
                existing.save(update_fields=list(fields))
                return existing
            try:
                with transaction.atomic():
                    return DeadLetter.objects.create(kind=kind, object_id=object_id, **fields)
            except IntegrityError:
                logger.info("dead letter %s:%s created concurrently; updating it", kind, object_id)
    raise IntegrityError(f"could not create or update the dead letter {kind}:{object_id}")


def dead_letter_close(*, kind: str, object_id: str) -> int:
    """The object was requeued by other means (e.g. the monitoring API): its open dead letter is done."""
    return DeadLetter.objects.filter(kind=kind, object_id=str(object_id), redriven_at__isnull=True).update(
        redriven_at=timezone.now()
    )


def dead_letter_redrive(*, ids, user) -> int:
    """Hand each still-open dead letter to its kind's handler; returns how many were redriven.

    The claim is one conditional UPDATE (``redriven_at IS NULL``), so a double click, two admins
    or two processes redrive a dead letter once.
    """
    redriven = 0
    for letter in DeadLetter.objects.filter(pk__in=list(ids), redriven_at__isnull=True).order_by("pk"):
        if _redrive_one(letter, user=user):
            redriven += 1
    return redriven


def _redrive_one(letter: DeadLetter, *, user) -> bool:
    handler = _handlers.get(letter.kind)
    if handler is None:
        record_error(
            category="redrive", severity=Severity.WARNING, subject=f"{letter.kind}:{letter.object_id}",
            message=f"no redrive handler registered for kind {letter.kind!r} (dead letter {letter.pk})",
        )
        return False
    try:
        with transaction.atomic():
            now = timezone.now()
            claimed = DeadLetter.objects.filter(pk=letter.pk, redriven_at__isnull=True).update(
                redriven_at=now, redriven_by=user if getattr(user, "pk", None) else None
            )
            if not claimed:
                return False
            letter.redriven_at, letter.redriven_by = now, user if getattr(user, "pk", None) else None
            handler(letter)
    except Exception as exc:  # noqa: BLE001 (any handler failure: recorded, the dead letter stays open)
        record_error(
            category="redrive", subject=f"{letter.kind}:{letter.object_id}", exc=exc,
            message=f"redrive of dead letter {letter.pk} ({letter.kind}:{letter.object_id}) failed: {exc}",
            context={"dead_letter": letter.pk, "original_support_code": letter.support_code},
        )
        letter.redriven_at, letter.redriven_by = None, None
        return False
    logger.warning(
        "[%s] dead letter %s:%s redriven by %s", letter.support_code, letter.kind, letter.object_id,
        getattr(user, "get_username", lambda: "system")(), extra={"support_code": letter.support_code},
    )
    return True
