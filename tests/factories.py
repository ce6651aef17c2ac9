"""Plain builders for test rows: make_x(**overrides) returns a saved object."""

import itertools
from datetime import timedelta

from django.utils import timezone

from marketplace.models import City, Client, Provider, ServiceCategory, ServiceRequest, Zone

_seq = itertools.count(1)


def next_phone() -> str:
    return f"+2376{next(_seq) + 70000000:08d}"


def make_zone(**overrides) -> Zone:
    fields = {"name": f"Quartier {next(_seq)}", "city": City.DOUALA, **overrides}
    return Zone.objects.create(**fields)


def make_category(**overrides) -> ServiceCategory:
    n = next(_seq)
    fields = {"slug": f"trade-{n}", "name_fr": f"Métier {n}", "name_en": f"Trade {n}", **overrides}
    return ServiceCategory.objects.create(**fields)


def make_provider(*, categories=(), zones=(), **overrides) -> Provider:
    fields = {"name": f"Prestataire {next(_seq)}", "phone": next_phone(), **overrides}
    provider = Provider.objects.create(**fields)
    provider.categories.set(categories)
    provider.zones.set(zones)
    return provider


def make_client(**overrides) -> Client:
    return Client.objects.create(**{"phone": next_phone(), **overrides})


def make_request(**overrides) -> ServiceRequest:
    if "client" not in overrides:
        overrides["client"] = make_client()
    return ServiceRequest.objects.create(**overrides)


def set_channel(settings, kind: str, **changes) -> None:
    """Override part of one channel's declaration (settings.MESSAGING_CHANNELS) for the current test."""
    settings.MESSAGING_CHANNELS = {**settings.MESSAGING_CHANNELS,
                                   kind: {**settings.MESSAGING_CHANNELS[kind], **changes}}


def make_due() -> None:
    """Every outbox row still waiting is due now, as if its backoff had passed."""
    from messaging.models import Notification

    Notification.objects.exclude(status__in=["sent", "delivered", "read", "dead"]).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1), updated_at=timezone.now())
