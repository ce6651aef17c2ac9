"""Helpers for whole conversations through the signed Twilio webhook, with the queued tasks really run."""

import itertools

import pytest

from marketplace.models import Provider, ServiceCategory, ServiceRequest, Zone
from messaging.models import InboundMessage, InboundStatus, Notification
from tests.factories import make_provider
from tests.messaging.inbound_support import PUBLIC_BASE_URL, TOKEN, signed_post, twilio_params

CLIENT = "+237696000001"
OTHER_CLIENT = "+237696000002"
_sid = itertools.count(1)


@pytest.fixture
def webhook(settings, demo_data):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.MESSAGING_INBOUND_HANDLER = "marketplace.conversation.handle_inbound"
    settings.AI_BACKEND = "rules"
    settings.MESSAGING_BACKEND = "console"
    # Our own providers only, so every expected offer is known.
    Provider.objects.update(is_active=False)


@pytest.fixture
def plumbers(webhook):
    plumbing = ServiceCategory.objects.get(slug="plomberie")
    return {
        "exact": make_provider(name="Paul Exact", categories=[plumbing], zones=[zone("Bonamoussadi")], rating="4.9"),
        "broad": make_provider(name="Bella Broad", categories=[plumbing], zones=[zone("Makepe")], rating="4.5",
                               language="en"),
        "electrician": make_provider(
            name="Eric Volt", categories=[ServiceCategory.objects.get(slug="electricite")],
            zones=[zone("Bonamoussadi")], rating="5",
        ),
    }


def zone(name: str) -> Zone:
    return Zone.objects.get(name=name)


def send(client, run_tasks, sender: str, body: str = "", **extra) -> InboundMessage:
    sid = f"SM{next(_sid):032d}"
    params = twilio_params(MessageSid=sid, From=f"whatsapp:{sender}", WaId=sender.lstrip("+"), Body=body, **extra)
    assert signed_post(client, params).status_code == 200
    run_tasks()
    message = InboundMessage.objects.get(provider_sid=sid)
    assert message.status == InboundStatus.PROCESSED, message.error
    return message


def replies_to(message: InboundMessage) -> list[str]:
    return list(
        Notification.objects.filter(idempotency_key__startswith=f"inbound:{message.provider_sid}:")
        .order_by("pk").values_list("body", flat=True)
    )


def last_to(phone: str) -> Notification:
    return Notification.objects.filter(recipient_phone=phone).order_by("-pk").first()


def open_request(client_phone: str = CLIENT) -> ServiceRequest:
    return ServiceRequest.objects.filter(client__phone=client_phone).latest("created_at")


def submit(client, run_tasks, text: str, sender: str = CLIENT) -> ServiceRequest:
    summary = send(client, run_tasks, sender, text)
    assert "OUI" in replies_to(summary)[0] or "YES" in replies_to(summary)[0]
    send(client, run_tasks, sender, "oui")
    return open_request(sender)
