"""Twilio delivery status callbacks as we store them: NUL-free, cut to the columns, never a 500.

The storing and applying is ``messaging.outbox.receipts.status_callback_receive`` (store first,
apply later); this module only makes whatever was posted safe to hand to it.
"""

from messaging.inbound.clean import fit, nul_free
from messaging.models import StatusCallback
from messaging.outbox.receipts import status_callback_receive


class CallbackInvalid(ValueError):
    """The callback names no message or no status; ``str(exc)`` is the reason for the 400."""


def callback_fields(params) -> dict:
    """``status_callback_receive``'s arguments from the posted fields (a dict or a ``QueryDict``)."""
    payload = nul_free(params.dict() if hasattr(params, "dict") else dict(params))
    sid = payload.get("MessageSid") or payload.get("SmsSid") or ""
    status = (payload.get("MessageStatus") or payload.get("SmsStatus") or "").strip().lower()
    if not sid.strip() or not status:
        raise CallbackInvalid("MessageSid and MessageStatus are required.")
    return {
        "sid": fit(sid.strip(), StatusCallback, "provider_sid"),
        "status": fit(status, StatusCallback, "status"),
        "error_code": fit(payload.get("ErrorCode", "").strip(), StatusCallback, "error_code"),
        "payload": payload,
    }


def callback_store(params) -> str:
    """Store (and apply, as status_callback_receive decides) one callback; raises CallbackInvalid."""
    return status_callback_receive(**callback_fields(params))
