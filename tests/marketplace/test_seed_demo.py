"""`manage.py seed_demo` builds realistic demo data, twice gives the same rows, and prints a working login."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from marketplace.models import (
    City,
    Client,
    Provider,
    ProviderOffer,
    RequestEvent,
    ServiceCategory,
    ServiceRequest,
    Zone,
)

pytestmark = pytest.mark.django_db

MODELS = [Zone, ServiceCategory, Provider, Client, ServiceRequest, ProviderOffer, RequestEvent]


@pytest.fixture(autouse=True)
def demo_password(settings):
    settings.DEMO_ADMIN_PASSWORD = "seed-pass-for-tests"  # the test runner turns DEBUG off


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts():
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts["neighbour links"] = Zone.neighbours.through.objects.count()
    counts["provider trades"] = Provider.categories.through.objects.count()
    counts["provider zones"] = Provider.zones.through.objects.count()
    return counts


def test_seeding_twice_leaves_the_same_counts():
    _seed()
    first = _counts()
    _seed()
    assert _counts() == first


def test_seeding_restores_edited_demo_rows_without_duplicating_them():
    _seed()
    Provider.objects.filter(name="Patrick Ateba").update(is_available=False, name="Renamed")
    _seed()
    patrick = Provider.objects.get(phone="+237681514313")
    assert (patrick.name, patrick.is_available) == ("Patrick Ateba", True)


def test_printed_login_works():
    output = _seed()
    assert "admin / seed-pass-for-tests" in output
    assert "/admin/" in output
    user = authenticate(username="admin", password="seed-pass-for-tests")
    assert user is not None and user.is_staff and user.is_superuser


def test_an_existing_admin_password_is_kept_unless_the_flag_asks(django_user_model):
    _seed()
    admin = django_user_model.objects.get(username="admin")
    admin.set_password("chosen-by-staff-42")
    admin.save()
    output = _seed()
    assert "existing password kept" in output and "seed-pass-for-tests" not in output
    assert authenticate(username="admin", password="chosen-by-staff-42") is not None
    out = StringIO()
    call_command("seed_demo", "--reset-admin-password", stdout=out)
    assert "admin / seed-pass-for-tests" in out.getvalue()
    assert authenticate(username="admin", password="seed-pass-for-tests") is not None


def test_refuses_the_well_known_password_in_production(settings):
    settings.DEMO_ADMIN_PASSWORD = ""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJOBEA_ADMIN_PASSWORD"):
        _seed()
    assert not Zone.objects.exists()


def test_fixed_demo_password_in_development(settings):
    settings.DEMO_ADMIN_PASSWORD = ""
    settings.DEBUG = True
    assert "admin / djobea-demo" in _seed()


def test_quarters_of_both_cities_with_neighbours_and_aliases():
    _seed()
    for city in City.values:
        assert Zone.objects.filter(city=city).count() >= 8
    assert Zone.objects.count() >= 15
    for zone in Zone.objects.all():
        assert zone.neighbours.exists(), zone
        assert {n.city for n in zone.neighbours.all()} == {zone.city}
    akwa = Zone.objects.get(name="Akwa")
    assert akwa in Zone.objects.get(name="Bonanjo").neighbours.all()
    assert "pk 8" in Zone.objects.get(name="PK8").aliases.lower()


def test_trades_have_both_names_and_rich_keywords():
    _seed()
    assert ServiceCategory.objects.count() >= 6
    plumbing = ServiceCategory.objects.get(slug="plomberie")
    assert {"fuite", "fuite d'eau", "robinet", "lavabo", "leak", "plumber"} <= set(plumbing.keyword_list())
    electrical = ServiceCategory.objects.get(slug="electricite")
    assert {"courant", "electricien", "disjoncteur", "power"} <= set(electrical.keyword_list())
    for category in ServiceCategory.objects.all():
        assert category.name_fr and category.name_en
        assert len(category.keyword_list()) >= 15, category.slug


def test_every_trade_has_providers_in_both_cities_and_on_call_cover():
    _seed()
    assert Provider.objects.count() >= 25
    for category in ServiceCategory.objects.all():
        for city in City.values:
            assert category.providers.filter(zones__city=city, is_available=True).exists(), (category.slug, city)
    assert Provider.objects.filter(on_emergency_list=True).count() >= 5
    assert Provider.objects.filter(is_available=False).count() >= 3


def test_demo_requests_carry_a_timeline_and_offers():
    _seed()
    assigned = ServiceRequest.objects.get(status="assigned")
    assert assigned.assigned_provider is not None
    assert assigned.offers.filter(status="accepted", provider=assigned.assigned_provider).exists()
    assert list(assigned.events.values_list("to_status", flat=True)) == [
        "searching", "offered", "searching", "offered", "assigned",
    ]
    assert set(ServiceRequest.objects.values_list("status", flat=True)) >= {
        "collecting", "searching", "offered", "assigned", "completed", "escalated", "cancelled",
    }
