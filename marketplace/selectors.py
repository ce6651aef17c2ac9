"""Reads of the marketplace tables for the dashboard and the monitoring API (bounded aggregates)."""

from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from marketplace.models import (
    OPEN_STATUSES,
    SEARCHING_STATUSES,
    Client,
    MatchLevel,
    OfferStatus,
    Provider,
    ProviderOffer,
    RequestStatus,
    ServiceCategory,
    ServiceRequest,
)


def trade_name(slug: str) -> str:
    """The trade's name in the active language (the slug when it no longer exists)."""
    category = ServiceCategory.objects.filter(slug=slug).first()
    return str(category) if category else slug


def active_request_count() -> int:
    return ServiceRequest.objects.open().count()


def escalated_request_count() -> int:
    return ServiceRequest.objects.filter(status=RequestStatus.ESCALATED).count()


def requests_needing_attention(*, searching_over_minutes: int = 30, offer_expiring_minutes: int = 5,
                               limit: int = 10) -> dict:
    """Escalated requests, requests searching too long, and pending offers about to expire."""
    now = timezone.now()
    escalated = ServiceRequest.objects.filter(status=RequestStatus.ESCALATED)
    searching = ServiceRequest.objects.filter(status__in=SEARCHING_STATUSES).filter(
        Q(created_at__lt=now - timedelta(minutes=searching_over_minutes)) | Q(search_deadline__lt=now)
    )
    expiring = ProviderOffer.objects.filter(
        status=OfferStatus.PENDING, expires_at__lte=now + timedelta(minutes=offer_expiring_minutes)
    )
    return {
        "escalated": _request_rows(escalated, limit),
        "escalated_count": escalated.count(),
        "searching_too_long": _request_rows(searching, limit),
        "searching_too_long_count": searching.count(),
        "offers_expiring": [
            {"request_id": o.request_id, "reference": o.request.reference, "provider": o.provider.name,
             "expires_at": o.expires_at, "level": o.level}
            for o in expiring.select_related("request", "provider").order_by("expires_at")[:limit]
        ],
        "offers_expiring_count": expiring.count(),
        "searching_over_minutes": searching_over_minutes,
        "offer_expiring_minutes": offer_expiring_minutes,
    }


def _request_rows(queryset, limit: int) -> list[dict]:
    rows = queryset.select_related("category", "zone").order_by("created_at")[:limit]
    return [
        {"id": r.pk, "reference": r.reference, "status": r.status, "created_at": r.created_at,
         "category": str(r.category or ""), "zone": str(r.zone or ""), "search_deadline": r.search_deadline}
        for r in rows
    ]


def marketplace_figures(*, since: datetime, until: datetime | None = None) -> dict:
    """Time to assignment, offer response and acceptance rates, completion, match levels (requests created
    and offers sent in [since, until))."""
    requests = ServiceRequest.objects.filter(created_at__gte=since)
    offers = ProviderOffer.objects.filter(sent_at__gte=since)
    if until is not None:
        requests, offers = requests.filter(created_at__lt=until), offers.filter(sent_at__lt=until)
    totals = requests.aggregate(
        created=Count("pk"),
        completed=Count("pk", filter=Q(status=RequestStatus.COMPLETED)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        avg_to_assignment=Avg(
            ExpressionWrapper(F("assigned_at") - F("created_at"), output_field=DurationField()),
            filter=Q(assigned_at__isnull=False),
        ),
    )
    by_level = dict.fromkeys(MatchLevel.values, 0)
    by_level.update(dict(
        requests.exclude(match_level="").values("match_level").annotate(n=Count("pk"))
        .order_by().values_list("match_level", "n")
    ))
    offers = offers.aggregate(
        sent=Count("pk"),
        answered=Count("pk", filter=Q(status__in=[OfferStatus.ACCEPTED, OfferStatus.DECLINED])),
        accepted=Count("pk", filter=Q(status=OfferStatus.ACCEPTED)),
    )
    avg = totals["avg_to_assignment"]
    return {
        "requests_created": totals["created"],
        "requests_completed": totals["completed"],
        "requests_open": totals["open"],
        "completion_rate": _rate(totals["completed"], totals["created"]),
        "avg_minutes_to_assignment": round(avg.total_seconds() / 60, 1) if avg is not None else None,
        "offers_sent": offers["sent"],
        "offer_response_rate": _rate(offers["answered"], offers["sent"]),
        "offer_acceptance_rate": _rate(offers["accepted"], offers["sent"]),
        "by_match_level": by_level,
    }


def match_level_labels() -> list[tuple[str, str]]:
    """(value, label in the active language) of each match level, for figures keyed by level."""
    return [(value, str(label)) for value, label in MatchLevel.choices]


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def simulator_contacts(*, limit: int = 60) -> list[dict]:
    """Clients and providers to write as in the WhatsApp simulator (settings.MESSAGING_SIMULATOR_CONTACTS)."""
    providers = Provider.objects.filter(is_active=True).prefetch_related("categories", "zones").order_by("name")
    rows = [
        {"phone": p.phone, "role": "provider",
         "label": f"{p.name} ({', '.join(c.slug for c in p.categories.all())} — "
                  f"{', '.join(z.name for z in p.zones.all())})"}
        for p in providers[:limit]
    ]
    rows += [
        {"phone": c.phone, "role": "client", "label": c.name or c.phone}
        for c in Client.objects.order_by("-created_at")[:limit]
    ]
    return rows
