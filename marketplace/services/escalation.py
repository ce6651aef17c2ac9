"""Handing a request to staff: status and match level "escalated", an alert, the client told honestly."""

import logging

from django.db import transaction

from marketplace import notify
from marketplace.models import SEARCHING_STATUSES, MatchLevel, RequestStatus, ServiceRequest, Urgency
from marketplace.services.transitions import escalation_alert_key, request_transition
from reliability.alerts import raise_alert
from reliability.models import Severity

logger = logging.getLogger(__name__)


def request_escalate(*, service_request: ServiceRequest, reason: str) -> bool:
    """Hand the request to staff: status and match level "escalated", an alert, the client told honestly."""
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
            title=f"{request.reference} needs staff: {reason}",
            detail=f"{request.category} in {request.zone}, urgency {request.urgency}. Find a provider by hand.",
        )
        notify.to_client(request, "client_escalated", key=f"request:{request.pk}:escalated")
        logger.warning("request %s escalated to staff: %s", request.reference, reason)
        return True
