"""Twilio delivery status callbacks: ``POST /webhooks/twilio/status/``.

Signed (checked against PUBLIC_BASE_URL + path: 403 and nothing stored otherwise), stored once
per (MessageSid, status), and states only move forward (sent → delivered → read). failed and
undelivered carry an ErrorCode that re-enters the policy table and the fallback chain.
"""

import logging
import time

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.channels.base import ChannelError
from messaging.models import AttemptOutcome, Notification, NotificationStatus, StatusCallback
from messaging.outbox.enqueue import queue_dispatch
from messaging.outbox.outcomes import Attempt, log_attempt, on_failure
from messaging.webhooks import twilio_signature_valid
from reliability.errors import record_error
from reliability.metrics import WEBHOOK_LATENCY

logger = logging.getLogger(__name__)

FORWARD = {  # Twilio status → (our status, statuses it may move from)
    "delivered": (NotificationStatus.DELIVERED, (NotificationStatus.SENT,)),
    "read": (NotificationStatus.READ, (NotificationStatus.SENT, NotificationStatus.DELIVERED)),
}
ACCEPTED = {"queued", "accepted", "scheduled", "sending", "sent"}
FAILED = {"failed", "undelivered"}


@csrf_exempt
@require_POST
def twilio_status_webhook(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    try:
        return _status_webhook(request)
    finally:
        WEBHOOK_LATENCY.labels(webhook="status").observe(time.perf_counter() - started)


def _status_webhook(request: HttpRequest) -> HttpResponse:
    if not twilio_signature_valid(request, request.POST):
        logger.warning("status callback rejected: missing or invalid signature")
        return HttpResponse("Missing or invalid X-Twilio-Signature.", status=403, content_type="text/plain")
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    status = (request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or "").lower()
    if not sid or not status:
        return HttpResponse("MessageSid and MessageStatus are required.", status=400, content_type="text/plain")
    try:
        status_callback_receive(sid=sid, status=status, error_code=request.POST.get("ErrorCode", ""),
                                payload=request.POST.dict())
    except Exception as exc:  # noqa: BLE001 (recorded with a support code; the 500 makes Twilio send it again)
        event = record_error(category="messaging.status_callback", exc=exc, subject=f"twilio:{sid}",
                             message=f"status callback {status} for {sid} could not be applied: {exc}",
                             context={"provider_sid": sid, "status": status, "webhook": "status"})
        return HttpResponse(f"Internal error, support code {event.support_code}.", status=500,
                            content_type="text/plain")
    return HttpResponse(status=200)


def status_callback_receive(*, sid: str, status: str, error_code: str = "", payload: dict | None = None) -> str:
    """Store the callback once and apply it, in one transaction: if applying fails, nothing is stored
    and Twilio's retry of the same callback is applied then (instead of being taken for a duplicate)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                StatusCallback.objects.create(provider_sid=sid, status=status, error_code=error_code or "",
                                              raw_payload=payload or {})
        except IntegrityError:
            return "duplicate"
        return status_callback_apply(sid=sid, status=status, error_code=error_code)


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
        transaction.on_commit(lambda: queue_dispatch(notification.pk))
    return result


def status_callbacks_replay(*, sid: str) -> int:
    """Callbacks that arrived before we stored the SID (Twilio can be faster than our write)."""
    applied = 0
    for callback in StatusCallback.objects.filter(provider_sid=sid).order_by("received_at"):
        status_callback_apply(sid=sid, status=callback.status, error_code=callback.error_code)
        applied += 1
    return applied
