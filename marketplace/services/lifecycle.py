"""A service request's life after intake: submitted, searched, escalated to staff, cancelled, counted down.

Each function runs in one transaction with the messages it causes (marketplace.notify).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.i18n import text
from marketplace import notify
from marketplace.models import (
    SEARCHING_STATUSES,
    Client,
    OfferStatus,
    Provider,
    ProviderOffer,
    RequestStatus,
    ServiceCategory,
    ServiceRequest,
    Urgency,
    Zone,
)
from marketplace.services.escalation import request_escalate
from marketplace.services.offers import offer_next, offer_withdraw
from marketplace.services.transitions import IllegalTransition, request_transition
from messaging.models import Priority

logger = logging.getLogger(__name__)

COUNTDOWN_MINUTES = (15, 5)  # warnings before the search deadline, in minutes left


def request_submit(
    *, client: Client, category: ServiceCategory, zone: Zone, description: str, urgency: str = Urgency.NORMAL,
    photos: list[str] = (),
) -> ServiceRequest:
    """Create the request from confirmed intake slots, tell the client its reference, start the search."""
    with transaction.atomic():
        now = timezone.now()
        request = ServiceRequest.objects.create(
            client=client,
            category=category,
            zone=zone,
            description=description,
            urgency=urgency,
            photos=list(photos),
            search_deadline=now + timedelta(minutes=settings.SEARCH_DEADLINE_MINUTES),
        )
        request_transition(service_request=request, to=RequestStatus.SEARCHING, actor="client",
                           note=text(gettext_noop("intake confirmed")))
        notify.to_client(request, "request_received", key=f"request:{request.pk}:received")
        offer_next(service_request=request)
        request.refresh_from_db()
        return request


def request_cancel(*, service_request: ServiceRequest, actor: str = "client") -> None:
    """Cancel the request (raises IllegalTransition if it is closed), withdraw its offer, tell everyone."""
    with transaction.atomic():
        request = ServiceRequest.objects.select_related("client", "category", "zone", "assigned_provider").get(
            pk=service_request.pk
        )
        request_transition(service_request=request, to=RequestStatus.CANCELLED, actor=actor)
        for offer in request.offers.filter(status=OfferStatus.PENDING).select_related("provider"):
            offer_withdraw(offer=offer)
        if request.assigned_provider:
            notify.to_provider(
                request, request.assigned_provider, "provider_cancelled_assigned",
                key=f"request:{request.pk}:cancelled:provider",
            )
        notify.to_client(request, "cancel_done", key=f"request:{request.pk}:cancelled")


def request_countdown(*, request_id: int) -> bool:
    """Warn the client once per threshold in COUNTDOWN_MINUTES that the search deadline approaches."""
    now = timezone.now()
    request = ServiceRequest.objects.select_related("client", "category", "zone").get(pk=request_id)
    if request.status not in SEARCHING_STATUSES or not request.search_deadline or request.search_deadline <= now:
        return False
    left = (request.search_deadline - now).total_seconds() / 60
    due = [m for m in COUNTDOWN_MINUTES if left <= m]
    if not due:
        return False
    threshold = min(due)  # a late run sends only the nearest warning, not every one it missed
    with transaction.atomic():
        notify.to_client(
            request, "client_countdown", key=f"request:{request.pk}:countdown:{threshold}",
            priority=Priority.LOW, minutes=max(1, round(left)),
        )
    return True


def request_escalate_overdue(*, request_id: int) -> bool:
    """The search deadline passed without an assignment: escalate (once)."""
    request = ServiceRequest.objects.get(pk=request_id)
    if request.search_deadline is None or request.search_deadline > timezone.now():
        return False
    return request_escalate(service_request=request, reason=text(gettext_noop("search deadline passed")))


def request_complete(*, service_request: ServiceRequest, actor: str) -> None:
    """The job is done (staff or provider says so): close the request and thank the client."""
    with transaction.atomic():
        request = ServiceRequest.objects.select_related("client", "category", "zone").get(pk=service_request.pk)
        request_transition(service_request=request, to=RequestStatus.COMPLETED, actor=actor)
        if request.assigned_provider_id:
            Provider.objects.filter(pk=request.assigned_provider_id).update(jobs_completed=F("jobs_completed") + 1)
        notify.to_client(request, "client_completed", key=f"request:{request.pk}:completed")


def request_research(*, service_request: ServiceRequest, actor: str) -> ProviderOffer | None:
    """Staff send an escalated (or assigned) request back to matching: a new deadline, the next candidate.

    Providers already asked are not asked again; with nobody left the request escalates again.
    """
    with transaction.atomic():
        request = ServiceRequest.objects.select_related("client", "category", "zone", "assigned_provider").get(
            pk=service_request.pk
        )
        for offer in request.offers.filter(status=OfferStatus.PENDING).select_related("provider"):
            offer_withdraw(offer=offer)
        # The previous acceptance no longer holds (and the database allows one accepted offer per request).
        request.offers.filter(status=OfferStatus.ACCEPTED).update(status=OfferStatus.WITHDRAWN)
        request_transition(service_request=request, to=RequestStatus.SEARCHING, actor=actor,
                           note=text(gettext_noop("back to matching")))
        if request.assigned_provider:
            notify.to_provider(
                request, request.assigned_provider, "provider_unassigned",
                key=f"request:{request.pk}:unassigned:{request.assigned_provider_id}",
            )
        ServiceRequest.objects.filter(pk=request.pk).update(
            assigned_provider=None,
            search_deadline=timezone.now() + timedelta(minutes=settings.SEARCH_DEADLINE_MINUTES),
        )
        return offer_next(service_request=request)


def requests_apply(*, request_ids, action, actor: str) -> tuple[int, list[str]]:
    """Staff bulk action: ``action(service_request=…, actor=…)`` on each request, one transaction each.

    Returns (how many moved, references of those whose state did not allow it).
    """
    done, refused = 0, []
    for service_request in ServiceRequest.objects.filter(pk__in=list(request_ids)).order_by("pk"):
        try:
            action(service_request=service_request, actor=actor)
        except IllegalTransition:
            refused.append(service_request.reference)
        else:
            done += 1
    return done, refused


def request_change_zone(*, service_request: ServiceRequest, zone: Zone) -> bool:
    """The client corrected the quarter before anyone accepted: withdraw the offer, match again, tell them.

    False when the request is no longer looking for a provider (the client is answered by the caller).
    """
    with transaction.atomic():
        # of=self: the category is a nullable join, which PostgreSQL refuses to lock.
        request = ServiceRequest.objects.select_for_update(of=("self",)).select_related("client", "category").get(
            pk=service_request.pk
        )
        if request.status not in [*SEARCHING_STATUSES, RequestStatus.ESCALATED]:
            return False
        for offer in request.offers.filter(status=OfferStatus.PENDING).select_related("provider"):
            offer_withdraw(offer=offer, text="provider_withdrawn_moved")
        request.zone = zone
        request.save(update_fields=["zone", "updated_at"])
        if request.status != RequestStatus.SEARCHING:
            request_transition(service_request=request, to=RequestStatus.SEARCHING, actor="client",
                               note=text(gettext_noop("quarter corrected to %(zone)s"), zone=zone.name))
        notify.to_client(request, "client_zone_changed", key=f"request:{request.pk}:zone:{zone.pk}")
        offer_next(service_request=request)
        return True
