"""A Twilio webhook request's body: size, encoding and X-Twilio-Signature, checked without the database."""

import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
BROKEN_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class RejectedRequest(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signed_body(request: HttpRequest) -> tuple[bytes, MultiValueDict]:
    """The raw body and its fields, once the size, encoding and Twilio signature are checked."""
    raw = _bounded_body(request)
    params = parse_form(raw)
    if not settings.TWILIO_AUTH_TOKEN:
        raise RejectedRequest(403, "Signature cannot be checked: TWILIO_AUTH_TOKEN is not configured.")
    if not twilio_signature_valid(request, params):
        raise RejectedRequest(403, "Missing or invalid X-Twilio-Signature.")
    return raw, params


def twilio_signature_valid(request: HttpRequest, params) -> bool:
    """Twilio's X-Twilio-Signature over ``params`` (both webhooks: messages and status callbacks)."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER, ""))
    # Checked against the public URL, not the one this process saw: behind a proxy or TLS
    # terminator the host and scheme differ, but Twilio signed the public one.
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, params, signature, algorithm=algorithm)


def _bounded_body(request: HttpRequest) -> bytes:
    limit = settings.MESSAGING_MAX_REQUEST_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise RejectedRequest(400, "Content-Length is not a number.") from exc
    if length > limit:
        raise RejectedRequest(413, f"Request body is {length} bytes; the limit is {limit}.")
    content_type = request.content_type or ""
    if content_type != FORM_CONTENT_TYPE:
        raise RejectedRequest(415, f"Expected {FORM_CONTENT_TYPE}, got {content_type or 'no content type'}.")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise RejectedRequest(413, f"Request body is over the limit of {limit} bytes.")
    return raw


def parse_form(raw: bytes) -> MultiValueDict:
    """Strict form decoding: invalid UTF-8 or broken percent-encoding is an error, never replaced."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedRequest(400, "Request body is not valid UTF-8.") from exc
    if BROKEN_PERCENT.search(text):
        raise RejectedRequest(400, "Request body has broken percent-encoding (a % not followed by two hex digits).")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise RejectedRequest(400, "Request body is not valid UTF-8 once percent-decoded.") from exc
    except ValueError as exc:
        raise RejectedRequest(400, f"Request body is not a valid form: {exc}") from exc
    params = MultiValueDict()
    for key, value in pairs:
        params.appendlist(key, value)
    return params
