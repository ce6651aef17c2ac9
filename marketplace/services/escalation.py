"""Handing a request to staff: status and match level "escalated", an alert, the client told honestly."""

import logging

from django.db import transaction
from django.utils.translation import gettext_noop

from core.i18n import Message, label, render, text
from marketplace import notify
from marketplace.models import SEARCHING_STATUSES, MatchLevel, RequestStatus, ServiceRequest, Urgency
from marketplace.services.transitions import escalation_alert_key, request_transition
from reliability.alerts import raise_alert
from reliability.models import Severity

logger = logging.getLogger(__name__)


def request_escalate(*, service_request: ServiceRequest, reason: Message) -> bool:
    """Hand the request to staff: status and match level "escalated", an alert, the client told honestly.

    ``reason`` (core.i18n.text) is the timeline note and part of the alert's title.
    """
    with transaction.atomic():
        request = ServiceRequest.objects.select_related("client", "category", "zone").get(pk=service_request.pk)
        if request.status not in SEARCHING_STATUSES:
            return False
        request_transition(service_request=request, to=RequestStatus.ESCALATED, note=reason)
        ServiceRequest.objects.filter(pk=request.pk).update(match_level=MatchLevel.ESCALATED)
        service_request.status, service_request.match_level = RequestStatus.ESCALATED, MatchLevel.ESCALATED
        urgent = request.urgency == Urgency.URGENT
        raise_alert(
            key=escalation_alert_key(request.pk),
            severity=Severity.CRITICAL if urgent else Severity.WARNING,
            title=text(gettext_noop("%(reference)s needs staff: %(reason)s"), reference=request.reference,
                       reason=reason),
            detail=text(gettext_noop("%(trade)s in %(zone)s, urgency %(urgency)s. Find a provider by hand."),
                        trade=label("trade", request.category.slug if request.category else None),
                        zone=str(request.zone or "—"), urgency=label("urgency", request.urgency)),
        )
        notify.to_client(request, "client_escalated", key=f"request:{request.pk}:escalated")
        logger.warning("request %s escalated to staff: %s", request.reference, render(reason))
        return True
