"""Back-office bulk actions on providers (admin)."""

from django.utils import timezone

from marketplace.models import Provider


def provider_set_availability(*, provider_ids, is_available: bool) -> int:
    """Mark providers available or not for new offers; returns how many actually changed."""
    return (
        Provider.objects.filter(pk__in=list(provider_ids))
        .exclude(is_available=is_available)
        .update(is_available=is_available, updated_at=timezone.now())
    )


def provider_set_emergency_list(*, provider_ids, on_list: bool) -> int:
    """Add providers to (or remove them from) the emergency list; returns how many changed."""
    return (
        Provider.objects.filter(pk__in=list(provider_ids))
        .exclude(on_emergency_list=on_list)
        .update(on_emergency_list=on_list, updated_at=timezone.now())
    )
