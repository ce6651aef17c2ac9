"""The request state machine: every status change goes through request_transition."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import Message, stored
from marketplace.models import RequestEvent, RequestStatus, ServiceRequest
from reliability.alerts import resolve_alert

S = RequestStatus
# Once a request is held (assigned) or closed, staff no longer need to find it a provider.
CLOSES_ESCALATION = {S.ASSIGNED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED, S.EXPIRED}


def escalation_alert_key(request_id: int) -> str:
    return f"request-escalated:{request_id}"

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.COLLECTING: {S.SEARCHING, S.CANCELLED, S.EXPIRED},
    S.SEARCHING: {S.OFFERED, S.ESCALATED, S.CANCELLED, S.EXPIRED},
    S.OFFERED: {S.SEARCHING, S.ASSIGNED, S.ESCALATED, S.CANCELLED, S.EXPIRED},
    S.ASSIGNED: {S.IN_PROGRESS, S.COMPLETED, S.SEARCHING, S.CANCELLED},
    S.IN_PROGRESS: {S.COMPLETED, S.CANCELLED},
    S.ESCALATED: {S.SEARCHING, S.OFFERED, S.ASSIGNED, S.CANCELLED, S.EXPIRED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
    S.EXPIRED: set(),
}


class IllegalTransition(ValueError):
    """A request was asked to move to a state it cannot reach from where it is."""


def request_transition(
    *, service_request: ServiceRequest, to: str, actor: str = "system", note: str | Message = ""
) -> RequestEvent:
    """Move ``service_request`` to ``to``, or raise ``IllegalTransition``; records the timeline.

    ``note`` is a message (core.i18n.text), so the timeline reads in its reader's language.

    The row is re-read under a lock, so two concurrent moves cannot both start from a stale state.
    """
    with transaction.atomic():
        current = ServiceRequest.objects.select_for_update().only("status").get(pk=service_request.pk)
        if to not in ALLOWED_TRANSITIONS.get(current.status, set()):
            raise IllegalTransition(
                _("Request %(ref)s cannot go from “%(from)s” to “%(to)s”.")
                % {"ref": service_request.reference, "from": current.status, "to": to}
            )
        fields = {"status": to, "updated_at": timezone.now()}
        if to == S.ASSIGNED:
            fields["assigned_at"] = fields["updated_at"]
        if to == S.COMPLETED:
            fields["completed_at"] = fields["updated_at"]
        ServiceRequest.objects.filter(pk=service_request.pk).update(**fields)
        for name, value in fields.items():
            setattr(service_request, name, value)
        if to in CLOSES_ESCALATION:
            resolve_alert(key=escalation_alert_key(service_request.pk))
        note_message, note_text = stored(note)
        return RequestEvent.objects.create(request=service_request, from_status=current.status, to_status=to,
                                           actor=actor, note=note_text[:255], note_message=note_message)
