"""A message as Twilio's REST API shows it, and the small parsing the fake needs."""

import uuid
from datetime import UTC, datetime
from email.utils import format_datetime


def channel_of(to: str) -> str:
    return "whatsapp" if to.startswith("whatsapp:") else "sms"


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def message_json(account_sid, *, to, from_, body, content_sid="", status_callback="", date=None) -> dict:
    now = date or datetime.now(UTC)
    return {
        "sid": "SM" + uuid.uuid4().hex, "account_sid": account_sid, "to": to, "from": from_, "body": body,
        "status": "queued", "direction": "outbound-api", "num_segments": "1", "error_code": None,
        "error_message": None, "date_created": format_datetime(now, usegmt=True),
        "date_sent": None, "date_updated": format_datetime(now, usegmt=True),
        "content_sid": content_sid, "status_callback": status_callback, "_at": now.replace(microsecond=0),
    }


def public(message: dict) -> dict:
    return {k: v for k, v in message.items() if not k.startswith("_") and k not in ("content_sid", "status_callback")}
