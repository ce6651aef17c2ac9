"""Load the demo data of marketplace.demo_data, idempotently (update_or_create on natural keys).

Running it twice leaves the same rows: zones by (city, name), categories by slug, providers and
clients by phone, requests by (client, description), the staff user by username.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.phones import normalize_phone
from marketplace import demo_data
from marketplace.models import (
    Client,
    OfferStatus,
    Provider,
    ProviderOffer,
    ServiceCategory,
    ServiceRequest,
    Zone,
)
from marketplace.services.transitions import request_transition

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_FALLBACK_PASSWORD = "djobea-demo"  # noqa: S105 — a demo login, printed on purpose


class DemoPasswordRequired(RuntimeError):
    """Production mode refuses to create a staff user with the well-known demo password."""


@dataclass(frozen=True)
class SeedResult:
    zones: int
    categories: int
    providers: int
    clients: int
    requests: int
    admin_username: str
    admin_password: str  # empty: an existing user's password was left as it was


def demo_admin_password() -> str:
    if settings.DEMO_ADMIN_PASSWORD:
        if not settings.DEBUG:  # a staff login on a real server: Django's password validators apply
            _validate(settings.DEMO_ADMIN_PASSWORD)
        return settings.DEMO_ADMIN_PASSWORD
    if not settings.DEBUG:
        raise DemoPasswordRequired("Set DJOBEA_ADMIN_PASSWORD to seed the demo with DEBUG off.")
    return DEMO_ADMIN_FALLBACK_PASSWORD


def _validate(password: str) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user=get_user_model()(username=DEMO_ADMIN_USERNAME))
    except ValidationError as exc:
        raise DemoPasswordRequired(
            "DJOBEA_ADMIN_PASSWORD is too weak for a server with DEBUG off: " + " ".join(exc.messages)
        ) from exc


def demo_seed(*, reset_admin_password: bool = False) -> SeedResult:
    """Seed the demo. The staff user ``admin`` gets the demo password when it is created, or when
    ``reset_admin_password`` asks for it: running the seed again never logs staff out."""
    exists = get_user_model().objects.filter(username=DEMO_ADMIN_USERNAME).exists()
    password = demo_admin_password() if reset_admin_password or not exists else ""
    with transaction.atomic():
        zones = _seed_zones()
        categories = _seed_categories()
        _seed_providers(zones, categories)
        clients = _seed_clients()
        _seed_requests(zones, categories, clients)
        _seed_admin(password)
    return SeedResult(
        zones=Zone.objects.count(),
        categories=ServiceCategory.objects.count(),
        providers=Provider.objects.count(),
        clients=Client.objects.count(),
        requests=ServiceRequest.objects.count(),
        admin_username=DEMO_ADMIN_USERNAME,
        admin_password=password,
    )


def _seed_zones() -> dict[tuple[str, str], Zone]:
    zones = {}
    for city, name, aliases, _neighbours in demo_data.ZONES:
        latitude, longitude = demo_data.COORDINATES.get(name, (None, None))
        zones[city, name], _ = Zone.objects.update_or_create(
            city=city, name=name, defaults={
                "aliases": aliases, "landmarks": demo_data.LANDMARKS.get(name, ""),
                "latitude": latitude, "longitude": longitude,
            },
        )
    for city, name, _aliases, neighbours in demo_data.ZONES:
        zones[city, name].neighbours.add(*(zones[city, other] for other in neighbours))
    return zones


def _seed_categories() -> dict[str, ServiceCategory]:
    categories = {}
    for slug, (name_fr, name_en, keywords) in demo_data.CATEGORIES.items():
        categories[slug], _ = ServiceCategory.objects.update_or_create(
            slug=slug, defaults={"name_fr": name_fr, "name_en": name_en, "keywords": ", ".join(keywords)}
        )
    return categories


def _seed_providers(zones, categories) -> None:
    for name, phone, slugs, city, zone_names, language, available, emergency, rating, jobs in demo_data.PROVIDERS:
        provider, _ = Provider.objects.update_or_create(
            phone=normalize_phone(phone),
            defaults={
                "name": name, "language": language, "is_available": available, "on_emergency_list": emergency,
                "rating": rating, "jobs_completed": jobs, "is_active": True,
            },
        )
        provider.categories.set([categories[slug] for slug in slugs])
        provider.zones.set([zones[city, zone] for zone in zone_names])


def _seed_clients() -> dict[str, Client]:
    clients = {}
    for phone, name, language in demo_data.CLIENTS:
        client, _ = Client.objects.update_or_create(
            phone=normalize_phone(phone), defaults={"name": name, "language": language}
        )
        clients[client.phone] = client
    return clients


def _seed_requests(zones, categories, clients) -> None:
    for spec in demo_data.REQUESTS:
        client = clients[normalize_phone(spec["client"])]
        service_request, created = ServiceRequest.objects.get_or_create(
            client=client,
            description=spec["description"],
            defaults={
                "category": categories[spec["category"]],
                "zone": zones[spec["city"], spec["zone"]] if spec["zone"] else None,
                "urgency": spec["urgency"],
            },
        )
        if created:
            _replay_history(service_request, spec)


def _replay_history(service_request: ServiceRequest, spec: dict) -> None:
    """Walk the request through the real state machine so its timeline reads like a real one."""
    now = timezone.now()
    offers = list(spec["offers"])
    for step in spec["path"]:
        if step == "searching" and service_request.search_deadline is None:
            service_request.search_deadline = now + timedelta(minutes=settings.SEARCH_DEADLINE_MINUTES)
            service_request.save(update_fields=["search_deadline"])
        if step == "offered" and offers:
            _make_offer(service_request, *offers.pop(0), level=spec["match_level"] or "exact", now=now)
        if step == "assigned":
            accepted = service_request.offers.get(status=OfferStatus.ACCEPTED)
            service_request.assigned_provider = accepted.provider
            service_request.save(update_fields=["assigned_provider"])
        request_transition(service_request=service_request, to=step, actor="seed_demo")
    if spec["match_level"]:
        ServiceRequest.objects.filter(pk=service_request.pk).update(match_level=spec["match_level"])


def _make_offer(service_request, provider_phone: str, status: str, *, level: str, now) -> None:
    provider = Provider.objects.get(phone=normalize_phone(provider_phone))
    if level not in ("exact", "broad", "emergency"):
        level = "exact"
    timeout = timedelta(minutes=settings.OFFER_TIMEOUT_MINUTES)
    ProviderOffer.objects.create(
        request=service_request,
        provider=provider,
        level=level,
        status=status,
        sent_at=now,
        expires_at=now + timeout,
        responded_at=now if status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED) else None,
    )
    Provider.objects.filter(pk=provider.pk).update(last_offered_at=now)


def _seed_admin(password: str) -> None:
    user, _ = get_user_model().objects.update_or_create(
        username=DEMO_ADMIN_USERNAME,
        defaults={"email": "admin@djobea.cm", "is_staff": True, "is_superuser": True, "is_active": True},
    )
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
