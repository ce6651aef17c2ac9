"""Twilio's two webhooks: inbound messages and delivery status callbacks.

Check, store, queue, answer in milliseconds: nothing slow happens here (no AI, no matching, no
Twilio call). The signature is checked before anything else and needs no database, so when the
database is unavailable a signed request is spooled to local disk and still answered 200
(messaging.inbound.spool); it is stored once the database is back.
"""

import logging
import time
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.inbound import spool
from messaging.inbound.callbacks import CallbackInvalid, callback_store
from messaging.inbound.signed import RejectedRequest, signed_body, twilio_signature_valid
from messaging.inbound.store import InboundInvalid, inbound_receive
from reliability.errors import record_error
from reliability.metrics import WEBHOOK_LATENCY

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TEXT = "text/plain; charset=utf-8"


@csrf_exempt
@require_POST
def inbound_message_webhook(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    try:
        raw, params = signed_body(request)
        try:
            inbound_receive(data=params)
        except spool.DATABASE_DOWN:
            return _spooled(kind=spool.MESSAGES, body=raw, ok=_empty_twiml())
        _drain_leftovers()
        return _empty_twiml()
    except RejectedRequest as exc:
        logger.warning("inbound webhook rejected (%s): %s", exc.status, exc.reason)
        return HttpResponse(exc.reason, status=exc.status, content_type=TEXT)
    except InboundInvalid as exc:
        logger.warning("inbound webhook: malformed form: %s", exc)
        return HttpResponse(f"Bad request: {exc}", status=400, content_type=TEXT)
    finally:
        WEBHOOK_LATENCY.labels(webhook="messages").observe(time.perf_counter() - started)


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
        return HttpResponse("Missing or invalid X-Twilio-Signature.", status=403, content_type=TEXT)
    try:
        callback_store(request.POST)
    except CallbackInvalid as exc:
        return HttpResponse(str(exc), status=400, content_type=TEXT)
    except spool.DATABASE_DOWN:
        body = urlencode(list(request.POST.lists()), doseq=True).encode()
        return _spooled(kind=spool.STATUS, body=body, ok=HttpResponse(status=200))
    except Exception as exc:  # noqa: BLE001 (recorded with a support code; not a database outage)
        sid = request.POST.get("MessageSid", "")[:64]
        event = record_error(category="messaging.status_callback", exc=exc, subject=f"twilio:{sid}",
                             message=f"status callback for {sid} could not be applied: {exc}",
                             context={"provider_sid": sid, "webhook": "status"})
        return HttpResponse(f"Internal error, support code {event.support_code}.", status=500, content_type=TEXT)
    _drain_leftovers()
    return HttpResponse(status=200)


def _spooled(*, kind: str, body: bytes, ok: HttpResponse) -> HttpResponse:
    """The database is unavailable: keep the signed request on disk; 503 only if the disk refuses too."""
    try:
        spool.spool_write(kind=kind, body=body)
    except OSError:
        logger.exception("database unavailable and the %s webhook could not be spooled to disk", kind)
        return HttpResponse("Service unavailable.", status=503, content_type=TEXT)
    return ok


def _empty_twiml() -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


def _drain_leftovers() -> None:
    """The database answers again: make sure this process's drain thread is running for leftovers."""
    if spool.spool_pending():
        spool.spool_drain_loop_start()
