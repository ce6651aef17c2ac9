"""Who gets the next offer: levels exact → broad → emergency, the trade kept at every level; an
urgent request reaches the emergency list before the rest of the city (after the neighbours).

- exact: the trade, the request's quarter, active and available;
- broad: the trade, active and available, in a neighbouring quarter, then anywhere in the same city;
- emergency: the trade, active, on the emergency list, busy ones included, in the same city.
Nobody is offered the same request twice. Within a level, candidates are ranked by rating, recent
load (jobs assigned and not finished) and fairness (the longest without an offer first).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from marketplace.models import MatchLevel, Provider, RequestStatus, ServiceRequest, Urgency

LOAD_STATUSES = [RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS]
LOAD_PENALTY = 0.75  # one open job weighs as much as three quarters of a rating star
FAIRNESS_HORIZON = timedelta(hours=24)  # waiting longer than this earns no extra credit
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    provider: Provider
    level: str
    score: float


def _base(service_request: ServiceRequest) -> QuerySet:
    already_offered = service_request.offers.values("provider_id")
    return Provider.objects.filter(is_active=True, categories=service_request.category_id).exclude(
        pk__in=already_offered
    )


def _level_querysets(service_request: ServiceRequest) -> list[tuple[str, QuerySet]]:
    base = _base(service_request)
    zone = service_request.zone
    available = base.filter(is_available=True)
    neighbours = list(zone.neighbours.values_list("pk", flat=True))
    levels = [
        (MatchLevel.EXACT, available.filter(zones=zone)),
        (MatchLevel.BROAD, available.filter(zones__in=neighbours)),
        (MatchLevel.BROAD, available.filter(zones__city=zone.city)),
        (MatchLevel.EMERGENCY, base.filter(on_emergency_list=True, zones__city=zone.city)),
    ]
    if service_request.urgency == Urgency.URGENT:
        levels.insert(2, levels.pop())  # urgent: the emergency list before the rest of the city
    return levels


def loads(provider_ids: list[int]) -> dict[int, int]:
    """Open jobs (assigned, in progress) per provider: counted apart, so zone joins can't inflate them."""
    rows = (
        ServiceRequest.objects.filter(assigned_provider__in=provider_ids, status__in=LOAD_STATUSES)
        .values_list("assigned_provider")
        .annotate(open_jobs=Count("pk"))
    )
    return dict(rows)


def score(provider: Provider, *, load: int, now) -> float:
    if provider.last_offered_at is None:
        waited = 1.0
    else:
        waited = min(now - provider.last_offered_at, FAIRNESS_HORIZON) / FAIRNESS_HORIZON
    return float(provider.rating) - LOAD_PENALTY * load + waited


def ranked(queryset: QuerySet, *, level: str) -> list[Candidate]:
    now = timezone.now()
    providers = list(queryset.distinct())
    open_jobs = loads([p.pk for p in providers])
    candidates = [
        Candidate(provider=p, level=level, score=score(p, load=open_jobs.get(p.pk, 0), now=now)) for p in providers
    ]
    # Ties (same score): the one waiting longest, then the oldest account, so the order is stable.
    candidates.sort(key=lambda c: (-c.score, c.provider.last_offered_at or NEVER, c.provider.pk))
    return candidates


def next_candidate(service_request: ServiceRequest) -> Candidate | None:
    """The best provider not yet offered this request, at the most specific level that has one."""
    if service_request.category_id is None or service_request.zone_id is None:
        return None
    for level, queryset in _level_querysets(service_request):
        candidates = ranked(queryset, level=level)
        if candidates:
            return candidates[0]
    return None


def candidates_by_level(service_request: ServiceRequest) -> dict[str, list[Candidate]]:
    """Every level's ranked candidates (for the admin and tests); a provider appears at its best level."""
    seen, result = set(), {}
    for level, queryset in _level_querysets(service_request):
        for candidate in ranked(queryset, level=level):
            if candidate.provider.pk not in seen:
                seen.add(candidate.provider.pk)
                result.setdefault(level, []).append(candidate)
    return result
