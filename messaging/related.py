"""Linkers for the references messaging owns (``notification:<pk>``, ``inbound:<pk>``): see reliability.related."""

from django.urls import reverse
from django.utils.translation import gettext as _

from messaging.models import InboundMessage, Notification
from reliability.related import Link, Related, parse_ref, register_linker


def _pk(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def notification_links(value: str) -> Related:
    found = Notification.objects.filter(pk=_pk(value)).values("pk", "subject", "recipient_phone").first()
    if found is None:
        return Related()
    url = reverse("admin:messaging_notification_change", args=[found["pk"]])
    refs = [ref for ref in (parse_ref(found["subject"]), ("phone", found["recipient_phone"])) if ref and ref[1]]
    return Related(links=(Link(_("notification #%(pk)s") % {"pk": found["pk"]}, url),), refs=tuple(refs))


def inbound_links(value: str) -> Related:
    found = InboundMessage.objects.filter(pk=_pk(value)).values("pk", "sender").first()
    if found is None:
        return Related()
    url = reverse("admin:messaging_inboundmessage_change", args=[found["pk"]])
    return Related(links=(Link(_("inbound message #%(pk)s") % {"pk": found["pk"]}, url),),
                   refs=(("phone", found["sender"]),))


def connect() -> None:
    register_linker("notification", notification_links)
    register_linker("inbound", inbound_links)
