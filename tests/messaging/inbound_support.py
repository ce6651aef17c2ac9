"""Helpers for the inbound tests: Twilio-signed webhook posts."""

from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.messaging import handlers

WEBHOOK_PATH = "/webhooks/twilio/messages/"
TOKEN = "test-auth-token"
PUBLIC_BASE_URL = "https://djobea.example"
FORM = "application/x-www-form-urlencoded"


def twilio_params(**overrides) -> dict[str, str]:
    params = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": "AC" + "b" * 32,
        "From": "whatsapp:+237677123456",
        "To": "whatsapp:+14155238886",
        "Body": "J'ai une fuite d'eau à Bonamoussadi",
        "NumMedia": "0",
        "ProfileName": "Awa",
        "WaId": "237677123456",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def sign(params: dict, *, url: str = PUBLIC_BASE_URL + WEBHOOK_PATH, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def signed_post(client, params: dict, *, signature: str | None = None, path: str = WEBHOOK_PATH):
    headers = {"X-Twilio-Signature": sign(params) if signature is None else signature}
    return client.post(path, data=urlencode(params), content_type=FORM, headers=headers)


def raw_post(client, body: bytes, *, signature: str = "x"):
    return client.post(WEBHOOK_PATH, data=body, content_type=FORM, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def inbound_settings(settings):
    """Signed webhooks against a public https URL, and a recording handler; CALLS starts empty."""
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.MESSAGING_INBOUND_HANDLER = "tests.messaging.handlers.record"
    handlers.CALLS.clear()
    yield settings
    handlers.CALLS.clear()

