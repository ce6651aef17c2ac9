"""The WhatsApp simulator: staff write as any phone number and watch the conversation.

A simulated message goes through the webhook's own pipeline (``inbound_receive``: the same form,
validation, storage and on-commit processing); only the Twilio signature check is skipped,
since the staff member is authenticated. Replies come from the task cluster through the outbox,
so the page shows exactly what a real client would receive.
"""

import logging
import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.phones import normalize_phone
from messaging.inbound.store import InboundInvalid, inbound_receive
from messaging.models import Channel, Conversation, InboundMessage, Notification

logger = logging.getLogger(__name__)

PERMISSION = "messaging.use_simulator"
PHONE_HEADER = "X-Simulator-Phone"
HISTORY_LIMIT = 100
CLUSTER_SILENCE = timedelta(minutes=2)
ROLE_LABELS = {
    "client": gettext_lazy("client"), "provider": gettext_lazy("provider"),
    "conversation": gettext_lazy("conversation"),
}
SAMPLE_MEDIA = {"url": "https://demo.djobea.cm/media/sample-leak.jpg", "content_type": "image/jpeg"}


class SimulatorForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Phone number"), max_length=32)
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=[(Channel.WHATSAPP, "WhatsApp"), (Channel.SMS, "SMS")],
        initial=Channel.WHATSAPP,
    )
    body = forms.CharField(label=gettext_lazy("Message"), required=False, strip=False, widget=forms.Textarea)
    with_photo = forms.BooleanField(label=gettext_lazy("Attach a photo"), required=False)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


def twilio_fields(*, phone: str, channel: str, body: str, with_photo: bool) -> dict[str, str]:
    """The fields Twilio would post for this message."""
    prefix = "whatsapp:" if channel == Channel.WHATSAPP else ""
    fields = {
        "MessageSid": f"SMsim{uuid.uuid4().hex}",
        "From": f"{prefix}{phone}",
        "To": settings.TWILIO_WHATSAPP_FROM or settings.TWILIO_SMS_FROM or "djobea-simulator",
        "Body": body,
        "NumMedia": "1" if with_photo else "0",
        # No ProfileName: it would become every simulated client's name, and the picker would list
        # several identical "Simulator" clients. Without it a client is shown by phone number.
        "ProfileName": "",
        "DjobeaSimulator": "1",
    }
    if with_photo:
        fields.update({"MediaUrl0": SAMPLE_MEDIA["url"], "MediaContentType0": SAMPLE_MEDIA["content_type"]})
    return fields


def _check_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def simulator_page(request: HttpRequest) -> HttpResponse:
    """The page's own URL names a conversation by its id (``?c=``), never by phone number: URLs end up
    in access logs and browser history."""
    _check_permission(request)
    chosen = _conversation_phone(request.GET.get("c", ""))
    form = SimulatorForm(request.POST or None, initial={"phone": chosen})
    if request.method == "POST":
        error = _send(form)
        conversation_id = "" if error else _conversation_id(form.cleaned_data["phone"])
        if request.accepts("application/json") and not request.accepts("text/html"):
            phone = "" if error else form.cleaned_data["phone"]
            return JsonResponse({"ok": not error, "error": error, "phone": phone, "conversation": conversation_id},
                                status=400 if error else 200)
        if not error:
            return redirect(f"{reverse('simulator')}?{urlencode({'c': conversation_id})}")
    context = {
        **admin.site.each_context(request),
        "title": _("WhatsApp simulator"),
        "form": form,
        "contacts": [{**c, "role_label": ROLE_LABELS.get(c["role"], c["role"])} for c in known_contacts()],
        "phone": chosen,
        "cluster": task_cluster_status(),
        "sends_for_real": settings.MESSAGING_BACKEND != "console",
    }
    return TemplateResponse(request, "simulator/simulator.html", context)


def _send(form: SimulatorForm) -> str:
    """Post the message through the inbound pipeline; returns an error text, or "" on success."""
    if not form.is_valid():
        return " ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
    fields = twilio_fields(**form.cleaned_data)
    try:
        inbound_receive(data=fields)
    except InboundInvalid as exc:
        form.add_error(None, str(exc))
        return str(exc)
    return ""


def simulator_messages(request: HttpRequest) -> HttpResponse:
    """Polled by the page: the number travels in a header, so it never appears in a URL or an access log."""
    _check_permission(request)
    try:
        phone = normalize_phone(request.headers.get(PHONE_HEADER, ""))
    except ValidationError:
        return HttpResponseBadRequest(_("Not a phone number."))
    return JsonResponse({
        "phone": phone, "messages": conversation(phone=phone), "recent": recent_phones(),
        "cluster": task_cluster_status(),
    })


def conversation(*, phone: str) -> list[dict]:
    """Inbound and outbound messages of one phone number, oldest first."""
    inbound = InboundMessage.objects.filter(sender=phone).order_by("-received_at")[:HISTORY_LIMIT]
    outbound = Notification.objects.filter(recipient_phone=phone).order_by("-created_at")[:HISTORY_LIMIT]
    rows = [
        {"direction": "in", "id": f"in-{m.pk}", "at": m.received_at.isoformat(), "body": m.body,
         "media": len(m.media), "channel": m.channel, "status": m.status, "status_label": m.get_status_display(),
         "error": m.error, "support_code": m.support_code}
        for m in inbound
    ] + [
        {"direction": "out", "id": f"out-{n.pk}", "at": n.created_at.isoformat(), "body": n.body, "media": 0,
         "channel": n.channel, "status": n.status, "status_label": n.get_status_display(),
         "error": n.last_error if n.status in ("failed", "dead") else "", "support_code": n.support_code}
        for n in outbound
    ]
    return sorted(rows, key=lambda row: row["at"])


def recent_phones(*, limit: int = 8) -> list[str]:
    """Numbers that wrote or were written to most recently (e.g. the provider who just got an offer)."""
    outbound = Notification.objects.exclude(recipient_phone="").order_by("-created_at")
    inbound = InboundMessage.objects.order_by("-received_at")
    events = list(outbound.values_list("created_at", "recipient_phone")[:50])
    events += list(inbound.values_list("received_at", "sender")[:50])
    phones = []
    for _at, phone in sorted(events, reverse=True):
        if phone not in phones:
            phones.append(phone)
    return phones[:limit]


def known_contacts() -> list[dict]:
    """Demo clients and providers (from the domain, through a setting) plus every known conversation."""
    contacts = []
    try:
        contacts = list(import_string(settings.MESSAGING_SIMULATOR_CONTACTS)())
    except ImportError:
        logger.warning("simulator: no contact list at %s", settings.MESSAGING_SIMULATOR_CONTACTS, exc_info=True)
    seen = {c["phone"] for c in contacts}
    for phone in Conversation.objects.order_by("-last_inbound_at").values_list("phone", flat=True)[:HISTORY_LIMIT]:
        if phone not in seen:
            contacts.append({"phone": phone, "label": phone, "role": "conversation"})
    return contacts


def task_cluster_status() -> dict:
    """Is the task cluster alive? A recent heartbeat or a recently finished task says yes."""
    from django_q.brokers import get_broker
    from django_q.models import Task

    from reliability.models import Heartbeat

    now = timezone.now()
    beat = Heartbeat.objects.order_by("-last_beat_at").values_list("last_beat_at", flat=True).first()
    last_task = Task.objects.order_by("-stopped").values_list("stopped", flat=True).first()
    last_seen = max((t for t in (beat, last_task) if t), default=None)
    return {
        "running": bool(last_seen and now - last_seen < CLUSTER_SILENCE),
        "last_seen": last_seen.isoformat() if last_seen else None,
        "queued": get_broker().queue_size(),
    }


def _conversation_phone(conversation_id: str) -> str:
    if not conversation_id.isascii() or not conversation_id.isdigit() or len(conversation_id) > 18:
        return ""
    return Conversation.objects.filter(pk=int(conversation_id)).values_list("phone", flat=True).first() or ""


def _conversation_id(phone: str) -> str:
    return str(Conversation.objects.filter(phone=phone).values_list("pk", flat=True).first() or "")


urlpatterns = [
    path("", admin.site.admin_view(simulator_page), name="simulator"),
    path("messages.json", admin.site.admin_view(simulator_messages), name="simulator-messages"),
]
