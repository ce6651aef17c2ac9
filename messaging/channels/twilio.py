"""WhatsApp and SMS through the official twilio client, always with a socket timeout.

``TWILIO_API_BASE_URL`` replaces scheme and host of every request (the twilio client has no
base-URL setting), so the tests talk to a fake Twilio server on 127.0.0.1 with the real client.
"""

import json
import logging
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit
from urllib.request import getproxies

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ProtocolError

from core.phones import mask_phone
from messaging.channels.base import Channel, ChannelError, OutgoingMessage, ProviderStatus, SendResult
from reliability.logging import mask_text
from reliability.retry import parse_retry_after

logger = logging.getLogger(__name__)

STATUS_CALLBACK_PATH = "/webhooks/twilio/status/"


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends every request to ``base_url`` with a fixed timeout, and keeps the last response's headers."""

    def __init__(self, *, base_url: str, timeout: float):
        # Proxies from the environment are read once here: with ``trust_env`` requests walks os.environ on
        # every request, which cost more CPU than the rest of a send (profiled in the outbox worker).
        super().__init__(timeout=timeout, proxy=getproxies())
        self.session.trust_env = False
        self.base = urlsplit(base_url)
        self.last_headers: dict = {}

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, parts.fragment))
        self.last_headers = {}
        response = super().request(method, url, params=params, data=data, headers=headers, auth=auth,
                                   timeout=self.timeout, allow_redirects=allow_redirects)
        self.last_headers = dict(response.headers or {})
        return response


_local = threading.local()  # one client (and its connection pool) per thread and configuration


def make_client() -> tuple[Client, BaseUrlHttpClient]:
    key = (settings.TWILIO_API_BASE_URL, settings.TWILIO_TIMEOUT_SECONDS, settings.TWILIO_ACCOUNT_SID,
           settings.TWILIO_AUTH_TOKEN)
    cached = getattr(_local, "clients", {}).get(key)
    if cached:
        return cached
    http_client = BaseUrlHttpClient(base_url=settings.TWILIO_API_BASE_URL, timeout=settings.TWILIO_TIMEOUT_SECONDS)
    client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)
    _local.clients = {key: (client, http_client)}  # keep only the current configuration
    return client, http_client


def _retry_after(headers: dict) -> float | None:
    return parse_retry_after({k.lower(): v for k, v in headers.items()}.get("retry-after"))


def _twilio_error(exc: TwilioException, headers: dict) -> ChannelError:
    retry_after = _retry_after(headers)
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = getattr(exc, "status", None)
        raw_code = getattr(exc, "code", None)
        # Without a Twilio error code (5 digits) the client puts the HTTP status there, or None.
        code = str(raw_code) if raw_code and str(raw_code).isdigit() and int(raw_code) >= 1000 else f"http_{status}"
        text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", "")
        # Twilio's messages quote phone numbers; ours end up in ErrorEvents and logs, so mask them.
        return ChannelError(code, mask_text(f"HTTP {status}: {text}"), retry_after,
                            http_status=status if isinstance(status, int) else None)
    return ChannelError("twilio_error", mask_text(f"{type(exc).__name__}: {exc}"), retry_after)


def _network_error(exc: requests.RequestException) -> ChannelError:
    if isinstance(exc, requests.ConnectTimeout):
        return ChannelError("connection_refused", f"connect timeout: {type(exc).__name__}")
    if isinstance(exc, requests.Timeout):
        # The request left: Twilio may have the message. The dispatcher looks it up before resending.
        return ChannelError("timeout", f"read timeout after {settings.TWILIO_TIMEOUT_SECONDS}s", outcome_unknown=True)
    if _request_left(exc):
        return ChannelError("connection_lost", f"connection lost before the answer: {type(exc).__name__}",
                            outcome_unknown=True)
    if isinstance(exc, requests.ConnectionError):
        return ChannelError("connection_refused", f"connection error: {type(exc).__name__}")
    return ChannelError("connection_refused", f"{type(exc).__name__}: {exc}")


def _request_left(exc: requests.RequestException) -> bool:
    """The connection broke once the request was out (closed without an answer, or mid-answer), unlike a
    refused connection: Twilio may have created the message, so the outcome is unknown."""
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return True
    return isinstance(exc, requests.ConnectionError) and any(isinstance(arg, ProtocolError) for arg in exc.args)


class TwilioChannel(Channel):
    address_prefix = ""
    has_receipts = True

    def from_address(self) -> str:
        raise NotImplementedError

    def to_address(self, phone: str) -> str:
        return f"{self.address_prefix}{phone}"

    def is_configured(self) -> bool:
        return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and self.from_address())

    def send(self, message: OutgoingMessage) -> SendResult:
        if not self.is_configured():
            raise ChannelError("not_configured", f"Twilio {self.kind} is not configured")
        client, http_client = make_client()
        try:
            created = client.messages.create(**self._create_params(message))
        except TwilioException as exc:
            raise _twilio_error(exc, http_client.last_headers) from exc
        except requests.RequestException as exc:
            raise _network_error(exc) from exc
        logger.info("twilio %s accepted %s → %s", self.kind, created.sid, mask_phone(message.to_phone))
        return SendResult(provider_sid=created.sid)

    def _create_params(self, message: OutgoingMessage) -> dict:
        params = {
            "to": self.to_address(message.to_phone),
            "from_": self.from_address(),
            "status_callback": settings.PUBLIC_BASE_URL + STATUS_CALLBACK_PATH,
        }
        if message.template_sid:
            params["content_sid"] = message.template_sid
            params["content_variables"] = json.dumps(message.template_variables or {"1": message.body})
        else:
            params["body"] = message.body
        return params

    def can_lookup(self) -> bool:
        return self.is_configured()

    def lookup(self, message: OutgoingMessage, *, since: datetime) -> list[str]:
        client, http_client = make_client()
        try:
            # No DateSent filter: a message still queued at Twilio has no DateSent yet. The newest 50 to this
            # recipient are filtered on their creation time here.
            found = client.messages.list(to=self.to_address(message.to_phone), limit=50)
        except TwilioException as exc:
            raise _twilio_error(exc, http_client.last_headers) from exc
        except requests.RequestException as exc:
            raise _network_error(exc) from exc
        since = since.astimezone(UTC)
        matches = [candidate for candidate in found
                   if self._matches(candidate, message) and (candidate.date_created or since) >= since]
        matches.sort(key=lambda candidate: candidate.date_created or since)
        return [candidate.sid for candidate in matches]

    def fetch_status(self, provider_sid: str) -> ProviderStatus:
        client, http_client = make_client()
        try:
            found = client.messages(provider_sid).fetch()
        except TwilioException as exc:
            raise _twilio_error(exc, http_client.last_headers) from exc
        except requests.RequestException as exc:
            raise _network_error(exc) from exc
        return ProviderStatus(status=(found.status or "").lower(), error_code=str(found.error_code or ""))

    def _matches(self, candidate, message: OutgoingMessage) -> bool:
        if (candidate.direction or "").startswith("inbound"):
            return False
        if message.template_sid:  # Twilio renders the template: its text holds every variable's value
            return all(str(value) in (candidate.body or "") for value in (message.template_variables or {}).values())
        return (candidate.body or "") == message.body


class TwilioWhatsAppChannel(TwilioChannel):
    kind = "whatsapp"
    address_prefix = "whatsapp:"

    def from_address(self) -> str:
        sender = settings.TWILIO_WHATSAPP_FROM
        if sender and not sender.startswith("whatsapp:"):
            sender = f"whatsapp:{sender}"
        return sender


class TwilioSMSChannel(TwilioChannel):
    kind = "sms"

    def from_address(self) -> str:
        return settings.TWILIO_SMS_FROM
