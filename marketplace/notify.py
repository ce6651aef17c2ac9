"""Outbound messages of the marketplace: a text from marketplace.texts, put in the outbox.

Always called inside the transaction of the change the message reports (messaging.outbox.enqueue
commits with it or not at all). Keys are stable per event, so running a step twice sends once.
"""

from marketplace import texts
from marketplace.models import Client, Provider, ServiceRequest, Urgency
from messaging.models import Notification, Priority
from messaging.outbox import enqueue


def request_params(service_request: ServiceRequest, language: str) -> dict:
    """The placeholders every request-related text may use, in ``language``."""
    category = service_request.category
    return {
        "reference": service_request.reference,
        "category": category.name_in(language) if category else "?",
        "zone": service_request.zone.name if service_request.zone else "?",
        "description": service_request.description,
        "urgent": texts.render("urgent_suffix", language) if service_request.urgency == Urgency.URGENT else "",
        "photos": "".join(f"\n📷 {url}" for url in service_request.photos),
    }


def send(*, key: str, to: str, language: str, text: str, priority: int, subject: str = "", **params) -> Notification:
    """Render ``text`` in ``language`` with ``params`` and put it in the outbox for phone ``to``."""
    return enqueue(
        key=key,
        body=texts.render(text, language, **params),
        phone=to,
        language=language,
        priority=priority,
        subject=subject,
    )


def to_client(
    service_request: ServiceRequest, text: str, *, key: str, priority: int = Priority.NORMAL, **params
) -> Notification | None:
    """A proactive message to the request's client; None (nothing sent) when the client opted out (STOP)."""
    if Client.objects.filter(pk=service_request.client_id, opted_out=True).exists():
        return None
    return _about_request(service_request, service_request.client, text, key=key, priority=priority, **params)


def to_provider(
    service_request: ServiceRequest, provider: Provider, text: str, *, key: str, priority: int = Priority.HIGH,
    **params,
) -> Notification:
    return _about_request(service_request, provider, text, key=key, priority=priority, **params)


def _about_request(
    service_request: ServiceRequest, person: Client | Provider, text: str, *, key: str, priority: int, **params
) -> Notification:
    """A text about ``service_request`` to a client or provider, in their language, with the request's fields."""
    return send(
        key=key,
        to=person.phone,
        language=person.language,
        text=text,
        priority=priority,
        subject=f"request:{service_request.pk}",
        **{**request_params(service_request, person.language), **params},
    )


class Replier:
    """Answers to one inbound message; keys derive from its MessageSid, so a reprocessed message replies once."""

    def __init__(self, *, message_sid: str, phone: str, language: str, priority: int = Priority.NORMAL):
        self.message_sid = message_sid
        self.phone = phone
        self.language = language
        self.priority = priority
        self.sent: list[Notification] = []

    def say(self, text: str, **params) -> Notification:
        return self.send_raw(texts.render(text, self.language, **params))

    def send_raw(self, body: str) -> Notification:
        notification = enqueue(
            key=f"inbound:{self.message_sid}:reply:{len(self.sent) + 1}",
            body=body,
            phone=self.phone,
            language=self.language,
            priority=self.priority,
        )
        self.sent.append(notification)
        return notification
