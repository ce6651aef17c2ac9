"""One timeline per client, provider and request: messages both ways, offers and request events, in time order.

Support staff read a conversation here, see what failed (delivery status, attempts, the support code)
and follow the links to the notification, the inbound message, the dead letter, the error event,
the person or the request. Reads only: messaging through its selectors, reliability through its own.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace.models import Client, Provider, ProviderOffer, RequestEvent, RequestStatus, ServiceRequest
from messaging import selectors as messaging
from messaging.models import Channel, InboundStatus, NotificationStatus
from reliability import selectors as reliability
from reliability.related import Link

# Intake happens before the request exists: the client's messages this long before it belong to it.
INTAKE_LOOKBACK = timedelta(hours=2)
CLOSED_STATUSES = (RequestStatus.COMPLETED, RequestStatus.CANCELLED, RequestStatus.EXPIRED)
FAILED_STATUSES = (NotificationStatus.FAILED, NotificationStatus.DEAD, InboundStatus.FAILED, InboundStatus.DEAD)


@dataclass
class Entry:
    at: datetime
    kind: str  # "in", "out", "offer", "event"
    title: str
    text: str = ""
    channel: str = ""
    status: str = ""
    failed: bool = False
    attempts: int | None = None
    support_code: str = ""
    error: str = ""
    links: list[Link] = field(default_factory=list)


def _admin(model: str, pk) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def client_timeline(client: Client) -> list[Entry]:
    requests = list(client.requests.all())
    entries = _messages(windows=[(client.phone, None, None)], subjects=[f"request:{r.pk}" for r in requests])
    entries += _events(RequestEvent.objects.filter(request__client=client), with_request=True)
    entries += _offers(ProviderOffer.objects.filter(request__client=client), with_request=True)
    return _sorted(entries)


def provider_timeline(provider: Provider) -> list[Entry]:
    entries = _messages(windows=[(provider.phone, None, None)])
    entries += _offers(ProviderOffer.objects.filter(provider=provider), with_request=True)
    return _sorted(entries)


def request_timeline(service_request: ServiceRequest) -> list[Entry]:
    offers = list(service_request.offers.select_related("provider"))
    until = _closed_at(service_request)
    windows = [(service_request.client.phone, service_request.created_at - INTAKE_LOOKBACK, until)]
    for offer in offers:
        keeps_job = offer.provider_id == service_request.assigned_provider_id
        answered = (offer.responded_at or offer.expires_at) + timedelta(minutes=1)
        windows.append((offer.provider.phone, offer.sent_at, until if keeps_job else answered))
    entries = _messages(windows=windows, subjects=[f"request:{service_request.pk}"])
    entries += _events(service_request.events.all(), with_request=False)
    entries += _offers(offers, with_request=False)
    return _sorted(entries)


def _closed_at(service_request: ServiceRequest) -> datetime | None:
    if service_request.status not in CLOSED_STATUSES:
        return None
    last = service_request.events.order_by("-created_at").values_list("created_at", flat=True).first()
    return (last or service_request.updated_at) + timedelta(minutes=5)


def _sorted(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: entry.at)


def _messages(*, windows, subjects=()) -> list[Entry]:
    rows = messaging.conversation_messages(windows=windows, subjects=subjects)
    codes = [row["support_code"] for kind in rows.values() for row in kind]
    events = reliability.error_event_ids(codes)
    dead = {
        "inbound": reliability.dead_letter_ids("inbound", [row["pk"] for row in rows["inbound"]]),
        "notification": reliability.dead_letter_ids("notification", [row["pk"] for row in rows["outbound"]]),
    }
    entries = [_inbound(row, events, dead["inbound"]) for row in rows["inbound"]]
    entries += [_outbound(row, events, dead["notification"]) for row in rows["outbound"]]
    return entries


def _failure_links(row: dict, events: dict, dead: dict) -> list[Link]:
    links = []
    if str(row["pk"]) in dead:
        links.append(Link(_("dead letter"), _admin("reliability_deadletter", dead[str(row["pk"])])))
    if row["support_code"] in events:
        links.append(Link(_("error event"), _admin("reliability_errorevent", events[row["support_code"]])))
    return links


def _inbound(row: dict, events: dict, dead: dict) -> Entry:
    body = row["body"] or ("📎" * len(row["media"]))
    return Entry(
        at=row["received_at"], kind="in", title=_("Received from %(phone)s") % {"phone": row["sender"]},
        text=body, channel=Channel(row["channel"]).label, status=InboundStatus(row["status"]).label,
        failed=row["status"] in FAILED_STATUSES, attempts=row["attempts"], support_code=row["support_code"],
        error=row["error"][:300],
        links=[Link(_("inbound message"), _admin("messaging_inboundmessage", row["pk"])),
               *_failure_links(row, events, dead)],
    )


def _outbound(row: dict, events: dict, dead: dict) -> Entry:
    error = f"{row['last_error_code']}: {row['last_error']}"[:300] if row["last_error_code"] else ""
    return Entry(
        at=row["created_at"], kind="out",
        title=_("Sent to %(phone)s") % {"phone": row["recipient_phone"] or "—"},
        text=row["body"], channel=Channel(row["channel"]).label if row["channel"] else "",
        status=NotificationStatus(row["status"]).label, failed=row["status"] in FAILED_STATUSES,
        attempts=row["total_attempts"], support_code=row["support_code"], error=error,
        links=[Link(_("notification"), _admin("messaging_notification", row["pk"])),
               *_failure_links(row, events, dead)],
    )


def _events(events, *, with_request: bool) -> list[Entry]:
    entries = []
    for event in events.select_related("request"):
        change = " → ".join(label for label in (event.get_from_status_display(), event.get_to_status_display())
                            if label)
        entry = Entry(at=event.created_at, kind="event", title=change or _("Request event"),
                      text=event.note_display, status=event.actor_display)
        if with_request:
            entry.links.append(Link(event.request.reference, _admin("marketplace_servicerequest", event.request_id)))
        entries.append(entry)
    return entries


def _offers(offers, *, with_request: bool) -> list[Entry]:
    if hasattr(offers, "select_related"):
        offers = offers.select_related("provider", "request")
    entries = []
    for offer in offers:
        entry = Entry(
            at=offer.sent_at, kind="offer",
            title=_("Offer to %(provider)s (%(level)s)") % {"provider": offer.provider.name,
                                                            "level": offer.get_level_display()},
            status=offer.get_status_display(),
            links=[Link(offer.provider.name, _admin("marketplace_provider", offer.provider_id))],
        )
        if with_request:
            entry.links.append(Link(offer.request.reference, _admin("marketplace_servicerequest", offer.request_id)))
        entries.append(entry)
    return entries
