"""Twilio delivery status callbacks (the view: messaging.inbound.webhook.twilio_status_webhook).

Signed (checked against PUBLIC_BASE_URL + path: 403 and nothing stored otherwise), stored once
per (MessageSid, status), and states only move forward (sent → delivered → read). failed and
undelivered carry an ErrorCode that re-enters the policy table and the fallback chain.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from messaging.channels import get_channel
from messaging.channels.base import ChannelError
from messaging.models import AttemptOutcome, Channel, Notification, NotificationStatus, StatusCallback
from messaging.outbox.outcomes import Attempt, log_attempt, on_failure
from messaging.outbox.wake import outbox_wake_on_commit
from reliability.errors import record_error

logger = logging.getLogger(__name__)

FORWARD = {  # Twilio status → (our status, statuses it may move from)
    "delivered": (NotificationStatus.DELIVERED, (NotificationStatus.SENT,)),
    "read": (NotificationStatus.READ, (NotificationStatus.SENT, NotificationStatus.DELIVERED)),
}
ACCEPTED = {"queued", "accepted", "scheduled", "sending", "sent"}
FAILED = {"failed", "undelivered"}


def status_callback_receive(*, sid: str, status: str, error_code: str = "", payload: dict | None = None) -> str:
    """Store the callback first (committed, once per (sid, status)), then apply it.

    Twilio does not send a callback again after a 500 unless told to, so nothing may depend on it: a
    callback that cannot be applied now (no notification with that SID yet, or an error while applying)
    stays stored and unapplied, and ``status_callbacks_sweep`` applies it later.
    """
    try:
        with transaction.atomic():
            callback = StatusCallback.objects.create(provider_sid=sid, status=status, error_code=error_code or "",
                                                     raw_payload=payload or {})
    except IntegrityError:
        return "duplicate"
    return _apply_stored(callback)


def _apply_stored(callback: StatusCallback) -> str:
    try:
        with transaction.atomic():
            sid_lock(callback.provider_sid)
            return _apply_once(callback)
    except Exception as exc:  # noqa: BLE001 (stored; recorded with a support code; the sweep applies it later)
        event = record_error(category="messaging.status_callback", exc=exc, subject=f"twilio:{callback.provider_sid}",
                             message=f"status callback {callback.status} for {callback.provider_sid} could not be "
                                     f"applied yet: {exc}",
                             context={"provider_sid": callback.provider_sid, "status": callback.status,
                                      "callback_id": callback.pk})
        logger.warning("status callback %s stored, not applied yet (support code %s)", callback.pk,
                       event.support_code)
        return "stored"


def sid_lock(*sids: str) -> None:
    """Serialise everything that writes or applies one provider SID: the dispatcher recording it and a status
    callback applying to it. Held to the end of the transaction (PostgreSQL advisory locks, taken in one
    statement and in a fixed order, so two holders of several never deadlock). SQLite needs none: its
    IMMEDIATE transactions already run one writer at a time."""
    if connection.vendor == "postgresql" and sids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_advisory_xact_lock(key)) FROM (SELECT DISTINCT "
                           "hashtextextended(sid, 0) AS key FROM unnest(%s::text[]) AS sid ORDER BY 1) AS keys",
                           [sorted(sids)])


def _apply_once(callback: StatusCallback) -> str:
    """Apply ``callback`` unless already applied; under ``sid_lock``. Unmatched callbacks stay unapplied."""
    if not StatusCallback.objects.filter(pk=callback.pk, applied_at__isnull=True).exists():
        return "duplicate"
    result = status_callback_apply(sid=callback.provider_sid, status=callback.status,
                                   error_code=callback.error_code)
    if result != "unmatched":
        StatusCallback.objects.filter(pk=callback.pk).update(applied_at=timezone.now())
    return result


def status_callback_apply(*, sid: str, status: str, error_code: str = "") -> str:
    notification = Notification.objects.filter(provider_sid=sid).first()
    if notification is None:
        logger.info("status callback %s for %s: no notification (yet)", status, sid)
        return "unmatched"
    if status in FAILED:
        return _undelivered(notification, sid=sid, status=status, error_code=error_code)
    if status in FORWARD:
        return _forward(notification, sid=sid, status=status)
    return "noted" if status in ACCEPTED else "ignored"


def _forward(notification: Notification, *, sid: str, status: str) -> str:
    target, allowed_from = FORWARD[status]
    moved = Notification.objects.filter(pk=notification.pk, provider_sid=sid, status__in=allowed_from).update(
        status=target, delivered_at=Coalesce("delivered_at", timezone.now()), updated_at=timezone.now()
    )
    if not moved:
        return "stale"  # already further along (callbacks out of order) or moved to another channel
    if notification.status == NotificationStatus.SENT:
        attempt = Attempt(channel=notification.channel, started_at=timezone.now(), provider_sid=sid)
        log_attempt(notification, attempt, outcome=AttemptOutcome.DELIVERED, message=f"status callback: {status}")
    return target


def _undelivered(notification: Notification, *, sid: str, status: str, error_code: str) -> str:
    guard = {"pk": notification.pk, "provider_sid": sid, "status": NotificationStatus.SENT}
    if notification.status != NotificationStatus.SENT:
        return "stale"
    attempt = Attempt(channel=notification.channel, started_at=timezone.now(), provider_sid=sid)
    error = ChannelError(error_code or "unknown", f"status callback: {status}")
    with transaction.atomic():
        result = on_failure(notification, attempt, error, guard=guard, counted=False,
                            outcome=AttemptOutcome.UNDELIVERED)
    if result in ("moved", "template"):
        outbox_wake_on_commit()  # its next form or channel is due now
    return result


def status_callbacks_replay(*, sids: list[str]) -> int:
    """Callbacks that arrived before we stored these SIDs (Twilio can be faster than our write). Called in the
    transaction that records them: ``sid_lock`` makes a callback racing that write wait or be seen here."""
    sid_lock(*sids)
    applied = 0
    pending = StatusCallback.objects.filter(provider_sid__in=sids, applied_at__isnull=True).order_by("received_at")
    for callback in pending:
        _apply_once(callback)
        applied += 1
    return applied


def status_callbacks_sweep(*, limit: int = 500) -> int:
    """Stored callbacks not applied yet whose SID a notification now holds (a race, or an error while
    applying): applied now, each in its own transaction."""
    matched = Notification.objects.filter(provider_sid=OuterRef("provider_sid")).exclude(provider_sid="")
    pending = StatusCallback.objects.filter(applied_at__isnull=True).filter(Exists(matched)).order_by("received_at")
    applied = 0
    for callback in pending[:limit]:
        applied += _apply_stored(callback) not in ("stored", "unmatched", "duplicate")
    if applied:
        logger.warning("applied %s stored status callbacks late", applied)
    return applied


def stale_sent_check(*, now: datetime | None = None, limit: int = 200) -> int:
    """Messages SENT for more than MESSAGING_RECEIPT_WAIT_MINUTES on a channel with receipts and no receipt
    yet: ask the provider and apply what it says as if its callback had arrived. Each row is checked at
    most once per wait (``updated_at`` moves on)."""
    now = now or timezone.now()
    kinds = [kind for kind in Channel.values if get_channel(kind).has_receipts]
    stale = Notification.objects.filter(
        status=NotificationStatus.SENT, channel__in=kinds,
        updated_at__lt=now - timedelta(minutes=settings.MESSAGING_RECEIPT_WAIT_MINUTES),
    ).exclude(provider_sid="").order_by("updated_at")[:limit]
    checked = 0
    for notification in stale:
        _check_at_provider(notification, now=now)
        checked += 1
    return checked


def _check_at_provider(notification: Notification, *, now: datetime) -> None:
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENT).update(updated_at=now)
    try:
        reported = get_channel(notification.channel).fetch_status(notification.provider_sid)
    except ChannelError as exc:
        logger.warning("notification %s: status lookup of %s failed (%s); checked again later",
                       notification.pk, notification.provider_sid, exc.code)
        return
    if reported.status in FAILED or reported.status in FORWARD:
        status_callback_receive(sid=notification.provider_sid, status=reported.status,
                                error_code=reported.error_code, payload={"source": "status lookup"})
