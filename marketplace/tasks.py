"""Task-cluster entry points for the marketplace's timers (djobea/schedules.py runs them every minute).

Thin and idempotent: each picks the due rows by id and calls a service that acts only if the row
is still in the expected state, so two nodes running the same schedule do each thing once.
"""

import logging
from datetime import timedelta

from django.utils import timezone

from marketplace.models import SEARCHING_STATUSES, OfferStatus, ProviderOffer, ServiceRequest
from marketplace.services.lifecycle import COUNTDOWN_MINUTES, request_countdown, request_escalate_overdue
from marketplace.services.offers import offer_expire, offer_remind

logger = logging.getLogger(__name__)

BATCH = 200
REMINDER_FRACTION = 0.3  # remind when less than 30 % of the offer's time is left


def expire_offers() -> int:
    ids = ProviderOffer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=timezone.now()).values_list(
        "pk", flat=True
    )[:BATCH]
    done = sum(1 for offer_id in list(ids) if offer_expire(offer_id=offer_id))
    if done:
        logger.info("expired %s offers", done)
    return done


def remind_offers() -> int:
    now = timezone.now()
    pending = ProviderOffer.objects.filter(
        status=OfferStatus.PENDING, reminder_sent_at__isnull=True, expires_at__gt=now
    ).order_by("expires_at").values_list("pk", "sent_at", "expires_at")[:BATCH]
    due = [pk for pk, sent_at, expires_at in pending if expires_at - now <= (expires_at - sent_at) * REMINDER_FRACTION]
    return sum(1 for offer_id in due if offer_remind(offer_id=offer_id))


def send_countdowns() -> int:
    now = timezone.now()
    due = ServiceRequest.objects.filter(
        status__in=SEARCHING_STATUSES,
        search_deadline__gt=now,
        search_deadline__lte=now + timedelta(minutes=max(COUNTDOWN_MINUTES)),
    ).values_list("pk", flat=True)[:BATCH]
    return sum(1 for request_id in list(due) if request_countdown(request_id=request_id))


def escalate_overdue() -> int:
    due = ServiceRequest.objects.filter(
        status__in=SEARCHING_STATUSES, search_deadline__lte=timezone.now()
    ).values_list("pk", flat=True)[:BATCH]
    return sum(1 for request_id in list(due) if request_escalate_overdue(request_id=request_id))
