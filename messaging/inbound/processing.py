"""Inbound messages: process in the task cluster, retry, dead-letter (stored by messaging.inbound.store).

The domain is reached only through ``settings.MESSAGING_INBOUND_HANDLER`` (a dotted path), so
this app never imports the marketplace. Retry state lives on the ``InboundMessage`` row: a
message is claimed with a conditional UPDATE that moves ``next_attempt_at`` forward by a lease,
so two workers (a duplicated task, the retry schedule) never process it at the same time.
"""

import logging
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from core.i18n import render
from core.phones import mask_phone
from messaging.inbound import texts as inbound_texts
from messaging.inbound.flood import flood_hold, flood_reason
from messaging.inbound.store import queue_processing
from messaging.models import Conversation, InboundMessage, InboundStatus, Priority
from messaging.outbox import enqueue
from reliability import degradation
from reliability.dead_letters import dead_letter_create, dead_letter_redrive
from reliability.errors import record_error
from reliability.logging import mask_text
from reliability.models import DeadLetter
from reliability.retry import next_attempt_at

logger = logging.getLogger(__name__)

S = InboundStatus
DEAD_LETTER_KIND = "inbound"
RECEIVED_GRACE = timedelta(seconds=60)  # how long the on-commit task has before the sweep steps in
SWEEP_BUDGET_SECONDS = 40  # the retry sweep stops claiming before Q_CLUSTER's 60 s task timeout
HOLD_RECHECK = timedelta(minutes=2)  # a message held by critical degradation is tried again after this


# --- Process (task cluster) ----------------------------------------------------------------

def inbound_process(*, message_id: int, now=None) -> str:
    """Hand one message to the domain handler if it is due and nobody else holds it.

    Returns "processed", "failed", "dead", "held" (critical degradation), "throttled" (a flood: stored,
    not answered) or "skipped" (not due, already done, or claimed).
    """
    now = now or timezone.now()
    if not _claim(message_id=message_id, now=now):
        return "skipped"
    message = InboundMessage.objects.get(pk=message_id)
    if message.attempts > settings.INBOUND_RETRY_MAX_ATTEMPTS:
        # The last allowed attempt was claimed but never finished: don't run the handler again.
        return _record_failure(message=message, attempts=message.attempts - 1, exc=AttemptLost(), now=now)
    reason = flood_reason(message)
    if reason:
        flood_hold(message=message, reason=reason)
        logger.warning("inbound %s not answered: sender over the flood limit (%s)", message.provider_sid,
                       render(reason))
        return "throttled"
    if degradation.holding_replies_only():
        return _hold(message=message, now=now)
    handler = None
    try:
        handler = import_string(settings.MESSAGING_INBOUND_HANDLER)
        if settings.MESSAGING_INBOUND_PREPARE:
            # Network work of the domain (an AI parser) runs here, never inside the transaction below.
            import_string(settings.MESSAGING_INBOUND_PREPARE)(message)
        with transaction.atomic():
            # One sender's messages are handled one at a time (two workers, two quick messages).
            Conversation.objects.select_for_update().filter(phone=message.sender).values_list("pk").first()
            handler(message)
            InboundMessage.objects.filter(pk=message_id).update(
                status=S.PROCESSED, processed_at=timezone.now(), next_attempt_at=None, error=""
            )
    except Exception as exc:  # the domain's failure, whatever it is, is recorded and retried
        logger.warning("inbound %s: handler %s failed", message.provider_sid, handler, exc_info=True)
        return _record_failure(message=message, attempts=message.attempts, exc=exc, now=now)
    return "processed"


def _hold(*, message: InboundMessage, now) -> str:
    """Critical degradation: the sender gets a short holding reply (one an hour), the message waits.

    The claim's attempt is given back, so waiting out an incident never dead-letters a message.
    """
    language = inbound_texts.language_or_default(
        Conversation.objects.filter(phone=message.sender).values_list("language", flat=True).first()
    )
    with transaction.atomic():
        InboundMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") - 1, next_attempt_at=now + HOLD_RECHECK
        )
        enqueue(
            key=f"inbound-hold:{message.sender}:{now:%Y%m%d%H}",
            body=inbound_texts.holding_reply(language=language),
            phone=message.sender, language=language, priority=Priority.HIGH, subject=f"inbound:{message.pk}",
        )
    logger.warning("inbound %s held: degradation level is critical", message.provider_sid)
    return "held"


class AttemptLost(RuntimeError):
    def __init__(self):
        super().__init__("the last attempt never finished (worker killed or task timed out)")


def _due(now) -> Q:
    return Q(status__in=[S.RECEIVED, S.FAILED]) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _claim(*, message_id: int, now) -> bool:
    """Take the message under a lease and count the attempt up front, so a killed worker's try counts too."""
    lease_until = now + timedelta(seconds=settings.INBOUND_LEASE_SECONDS)
    claimed = InboundMessage.objects.filter(_due(now), pk=message_id).update(
        next_attempt_at=lease_until, attempts=F("attempts") + 1
    )
    return claimed == 1


def _record_failure(*, message: InboundMessage, attempts: int, exc: BaseException, now) -> str:
    last_error = mask_text(f"{type(exc).__name__}: {exc}")[:2000]
    event = record_error(
        category="inbound",
        message=f"Inbound message {message.pk} could not be processed (attempt {attempts}): {last_error}",
        context={"message_id": message.pk, "provider_sid": message.provider_sid, "attempt": attempts,
                 "sender": mask_phone(message.sender), "channel": message.channel},
        subject=f"inbound:{message.pk}",
        exc=exc,
    )
    fields = {"attempts": attempts, "error": last_error, "support_code": event.support_code}
    if attempts >= settings.INBOUND_RETRY_MAX_ATTEMPTS:
        _dead_letter(message=message, fields=fields)
        return "dead"
    fields["status"] = S.FAILED
    fields["next_attempt_at"] = next_attempt_at(  # the first retry is retry number 0
        attempts - 1, base=settings.INBOUND_RETRY_BASE_SECONDS, cap=settings.INBOUND_RETRY_CAP_SECONDS, now=now
    )
    InboundMessage.objects.filter(pk=message.pk).update(**fields)
    return "failed"


def _dead_letter(*, message: InboundMessage, fields: dict) -> None:
    """Give up: dead letter for staff, and tell the sender their request is safe, with the code."""
    code = fields["support_code"]
    language = inbound_texts.language_or_default(
        Conversation.objects.filter(phone=message.sender).values_list("language", flat=True).first()
    )
    with transaction.atomic():
        InboundMessage.objects.filter(pk=message.pk).update(status=S.DEAD, next_attempt_at=None, **fields)
        dead_letter_create(
            kind=DEAD_LETTER_KIND, object_id=str(message.pk), reason="handler_error",
            last_error=fields["error"], channel=message.channel, attempts=fields["attempts"],
            payload={"provider_sid": message.provider_sid, "sender": mask_phone(message.sender)},
            support_code=code,
        )
        enqueue(
            key=f"inbound-dead:{message.provider_sid}",
            body=inbound_texts.dead_letter_reply(language=language, support_code=code),
            phone=message.sender, language=language, priority=Priority.HIGH, subject=f"inbound:{message.pk}",
        )
    logger.error("inbound %s dead-lettered after %s attempts (%s)", message.provider_sid, fields["attempts"], code)


# --- Retry schedule, reprocess, redrive ------------------------------------------------------

def inbound_retry_due(*, now=None, limit: int = 50) -> int:
    """Process due failed messages (and received ones whose on-commit task never ran).

    Each one is claimed before processing, so several nodes running this at once share the work.
    Returns how many were processed (successfully or not).
    """
    now = now or timezone.now()
    due = Q(status=S.FAILED, next_attempt_at__lte=now) | Q(status=S.RECEIVED, next_attempt_at__lte=now) | Q(
        status=S.RECEIVED, next_attempt_at__isnull=True, received_at__lte=now - RECEIVED_GRACE
    )
    ids = list(
        InboundMessage.objects.filter(due).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    deadline = time.monotonic() + SWEEP_BUDGET_SECONDS
    done = 0
    for index, pk in enumerate(ids):
        if time.monotonic() > deadline:
            logger.warning("inbound retry sweep: out of time, %s due messages left to the next run", len(ids) - index)
            break
        done += inbound_process(message_id=pk, now=now) != "skipped"
    return done


def inbound_requeue(*, message_id: int) -> bool:
    """Put a failed or dead message back to "received" with fresh attempts and queue it. Idempotent."""
    updated = InboundMessage.objects.filter(pk=message_id, status__in=[S.FAILED, S.DEAD]).update(
        status=S.RECEIVED, attempts=0, next_attempt_at=None
    )
    if updated:
        transaction.on_commit(partial(queue_processing, message_id), robust=True)
    return bool(updated)


def inbound_reprocess(*, message_ids, user) -> int:
    """Staff's "reprocess": dead messages go through their dead letter's redrive, failed ones are requeued."""
    ids = [str(pk) for pk in message_ids]
    letters = list(
        DeadLetter.objects.filter(kind=DEAD_LETTER_KIND, object_id__in=ids, redriven_at__isnull=True)
        .values_list("pk", "object_id")
    )
    count = dead_letter_redrive(ids=[pk for pk, _ in letters], user=user) if letters else 0
    redriven = {object_id for _, object_id in letters}
    with transaction.atomic():
        count += sum(inbound_requeue(message_id=int(pk)) for pk in ids if pk not in redriven)
    return count


def redrive_inbound(dead_letter) -> None:
    """The "inbound" dead-letter redrive handler (registered in MessagingConfig.ready)."""
    inbound_requeue(message_id=int(dead_letter.object_id))
