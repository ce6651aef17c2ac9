"""Provider offers: one at a time per request, first acceptance wins, decline and expiry move on.

Every state change is a conditional UPDATE on the offer row (``WHERE status = 'pending'``), so a
step run twice (a retried task, two cluster nodes) acts once. The database constraints on
ProviderOffer (one pending and one accepted per request, once per provider) are the last word.
"""

import logging
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from core import i18n
from marketplace import notify
from marketplace.matching import next_candidate
from marketplace.models import OfferStatus, Provider, ProviderOffer, RequestStatus, ServiceRequest, Urgency
from marketplace.services.escalation import request_escalate
from marketplace.services.transitions import request_transition
from messaging.models import Priority

logger = logging.getLogger(__name__)


# A pending offer can be accepted while the request waits for it, or after staff were alerted (escalated).
ACCEPTING_STATUSES = [RequestStatus.OFFERED, RequestStatus.ESCALATED]


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY_TAKEN = "already_taken"
    CLOSED = "closed"


def offer_next(*, service_request: ServiceRequest) -> ProviderOffer | None:
    """Offer a searching request to the best remaining candidate, or escalate when none is left."""
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
        if request.status != RequestStatus.SEARCHING or request.offers.filter(status=OfferStatus.PENDING).exists():
            return None
        candidate = next_candidate(request)
        if candidate is None:
            request_escalate(service_request=request, reason=i18n.text(gettext_noop("no provider left to offer")))
            return None
        offer = _create_offer(request, candidate.provider, candidate.level)
        request.match_level = candidate.level
        request.save(update_fields=["match_level", "updated_at"])
        request_transition(service_request=request, to=RequestStatus.OFFERED,
                           note=_offer_note(gettext_noop("offered to provider #%(provider)s"), offer))
        notify.to_provider(
            request, offer.provider, "provider_offer", key=f"offer:{offer.pk}:sent",
            minutes=offer_window_minutes(request),
        )
        # After a decline or an expiry the client hears that the search moved on, not the same news again.
        text = "client_offer_next" if request.offers.exclude(pk=offer.pk).exists() else "client_offer_sent"
        notify.to_client(request, text, key=f"offer:{offer.pk}:client", priority=Priority.LOW)
        return offer


def offer_window_minutes(request: ServiceRequest) -> int:
    """How long a provider has to answer: shorter when the client is in a hurry."""
    if request.urgency == Urgency.URGENT:
        return settings.OFFER_TIMEOUT_URGENT_MINUTES
    return settings.OFFER_TIMEOUT_MINUTES


def _create_offer(request: ServiceRequest, provider: Provider, level: str) -> ProviderOffer:
    now = timezone.now()
    offer = ProviderOffer.objects.create(
        request=request,
        provider=provider,
        level=level,
        sent_at=now,
        expires_at=now + timedelta(minutes=offer_window_minutes(request)),
    )
    Provider.objects.filter(pk=provider.pk).update(
        last_offered_at=now, offers_received=F("offers_received") + 1, updated_at=now
    )
    logger.info("request %s offered to provider %s at level %s", request.reference, provider.pk, level)
    return offer


def _close_pending(offer: ProviderOffer, status: str, **conditions) -> bool:
    """pending → ``status`` if still pending (and ``conditions`` hold); True when this call did it."""
    now = timezone.now()
    updated = ProviderOffer.objects.filter(pk=offer.pk, status=OfferStatus.PENDING, **conditions).update(
        status=status, responded_at=now
    )
    if updated:
        offer.status, offer.responded_at = status, now
    return bool(updated)


def offer_accept(*, offer: ProviderOffer) -> Outcome:
    """The provider said yes: assign the request, tell both sides. Safe against races and repeats.

    ALREADY_TAKEN and CLOSED change nothing and send nothing: the caller answers the provider.
    """
    with transaction.atomic():
        request_status = ServiceRequest.objects.filter(pk=offer.request_id).values_list("status", flat=True).get()
        if request_status not in ACCEPTING_STATUSES:
            # Closed by a path that left the offer pending (a bare state move): nothing to accept.
            _close_pending(offer, OfferStatus.WITHDRAWN)
            return _closed_outcome(offer)
        try:
            with transaction.atomic():
                accepted = _close_pending(offer, OfferStatus.ACCEPTED)
        except IntegrityError:
            return Outcome.ALREADY_TAKEN
        if not accepted:
            return _closed_outcome(offer)
        _assign(offer)
        return Outcome.ACCEPTED


def offer_accept_late(*, offer: ProviderOffer) -> Outcome:
    """A provider says yes after their offer expired: while nobody holds the request, it is theirs.

    A pending offer to someone else is withdrawn (that provider is told the job was taken).
    """
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=offer.request_id)
        if request.status not in ACCEPTING_STATUSES:
            return _closed_outcome(offer)
        for other in request.offers.filter(status=OfferStatus.PENDING).select_related("request", "provider"):
            offer_withdraw(offer=other, text="provider_already_taken")
        now = timezone.now()
        if not ProviderOffer.objects.filter(pk=offer.pk, status=OfferStatus.EXPIRED).update(
            status=OfferStatus.ACCEPTED, responded_at=now
        ):
            return _closed_outcome(offer)
        offer.status, offer.responded_at = OfferStatus.ACCEPTED, now
        _assign(offer)
        return Outcome.ACCEPTED


def _assign(offer: ProviderOffer) -> None:
    request = offer.request
    request_transition(service_request=request, to=RequestStatus.ASSIGNED, actor="provider",
                       note=_offer_note(gettext_noop("accepted by #%(provider)s"), offer))
    request.assigned_provider = offer.provider
    request.match_level = offer.level  # how the provider was finally found, even after an escalation
    request.save(update_fields=["assigned_provider", "match_level", "updated_at"])
    Provider.objects.filter(pk=offer.provider_id).update(offers_accepted=F("offers_accepted") + 1)
    provider = offer.provider
    notify.to_client(
        request, "client_assigned", key=f"request:{request.pk}:assigned:{offer.pk}", priority=Priority.HIGH,
        provider=provider.name, phone=provider.phone,
    )
    notify.to_provider(
        request, provider, "provider_assigned", key=f"offer:{offer.pk}:assigned",
        client=f"{request.client.name} {request.client.phone}".strip(),
    )


def _closed_outcome(offer: ProviderOffer) -> Outcome:
    offer.refresh_from_db()
    if offer.request.offers.filter(status=OfferStatus.ACCEPTED).exclude(pk=offer.pk).exists():
        return Outcome.ALREADY_TAKEN
    return Outcome.CLOSED


def offer_decline(*, offer: ProviderOffer) -> Outcome:
    with transaction.atomic():
        if not _close_pending(offer, OfferStatus.DECLINED):
            return _closed_outcome(offer)
        notify.to_provider(offer.request, offer.provider, "provider_declined_ack", key=f"offer:{offer.pk}:declined")
        _move_on(offer.request, note=_offer_note(gettext_noop("declined by #%(provider)s"), offer))
        return Outcome.DECLINED


def offer_expire(*, offer_id: int) -> bool:
    """Expire one overdue pending offer and offer the request to the next candidate. Idempotent."""
    with transaction.atomic():
        offer = ProviderOffer.objects.select_related("request__client", "provider").get(pk=offer_id)
        if not _close_pending(offer, OfferStatus.EXPIRED, expires_at__lte=timezone.now()):
            return False
        _move_on(offer.request, note=_offer_note(gettext_noop("offer to #%(provider)s expired"), offer))
        # Say where the job went: to another provider, or to our staff (then a late OUI still counts).
        offer.request.refresh_from_db(fields=["status"])
        went_to_staff = offer.request.status == RequestStatus.ESCALATED
        notify.to_provider(
            offer.request, offer.provider, "provider_expired_staff" if went_to_staff else "provider_expired",
            key=f"offer:{offer.pk}:expired", priority=Priority.NORMAL,
        )
        return True


def _offer_note(msgid: str, offer: ProviderOffer) -> i18n.Message:
    return i18n.text(msgid, provider=offer.provider_id)


def _move_on(request: ServiceRequest, *, note: i18n.Message) -> None:
    request.refresh_from_db(fields=["status"])
    if request.status != RequestStatus.OFFERED:
        return  # escalated or cancelled meanwhile: staff or the client decided, no automatic next offer
    request_transition(service_request=request, to=RequestStatus.SEARCHING, note=note)
    offer_next(service_request=request)


def offer_remind(*, offer_id: int) -> bool:
    """Remind the provider once that their offer is about to expire. Idempotent."""
    with transaction.atomic():
        now = timezone.now()
        updated = ProviderOffer.objects.filter(
            pk=offer_id, status=OfferStatus.PENDING, reminder_sent_at__isnull=True, expires_at__gt=now
        ).update(reminder_sent_at=now)
        if not updated:
            return False
        offer = ProviderOffer.objects.select_related("request__client", "provider").get(pk=offer_id)
        minutes = max(1, round((offer.expires_at - now).total_seconds() / 60))
        notify.to_provider(offer.request, offer.provider, "provider_reminder", key=f"offer:{offer.pk}:reminder",
                           minutes=minutes)
        return True


def offer_withdraw(*, offer: ProviderOffer, text: str = "provider_withdrawn") -> bool:
    """The request went away (cancelled, or moved): close the pending offer and tell the provider why."""
    if not _close_pending(offer, OfferStatus.WITHDRAWN):
        return False
    notify.to_provider(offer.request, offer.provider, text, key=f"offer:{offer.pk}:withdrawn")
    return True
