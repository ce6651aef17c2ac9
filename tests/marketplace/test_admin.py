"""The back-office admin with the demo data: every page renders, filters, searches and bulk actions work."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.models import (
    OfferStatus,
    Provider,
    RequestEvent,
    RequestStatus,
    ServiceCategory,
    ServiceRequest,
)
from marketplace.services.offers import offer_next
from marketplace.services.transitions import request_transition
from messaging.models import Notification
from tests.factories import make_category, make_provider, make_request, make_zone

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


OUR_APPS = {"marketplace", "messaging", "reliability"}


def _field_value(field):
    """A plausible value for a required field: first choice, else something of the right type."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        related = field.related_model
        return related.objects.order_by("pk").first() or _build_row(related)
    samples = [
        (models.EmailField, "row@djobea.test"),
        (models.JSONField, {}),
        (models.BooleanField, False),
        ((models.IntegerField, models.FloatField, models.DecimalField), 1),
        (models.DateTimeField, timezone.now()),
        (models.DurationField, timezone.timedelta(seconds=1)),
        (models.DateField, timezone.now().date()),
    ]
    for kinds, value in samples:
        if isinstance(field, kinds):
            return value
    return "+237699000001" if "phone" in field.name else f"{field.name}-1"[: field.max_length or 100]


def _build_row(model):
    """One saved row of ``model`` with every required field filled, so its change page can be opened."""
    values = {
        field.name: _field_value(field)
        for field in model._meta.concrete_fields
        if not (field.primary_key or field.null or field.has_default() or getattr(field, "auto_now", False)
                or getattr(field, "auto_now_add", False))
    }
    return model.objects.create(**values)


def _page_urls(request):
    """Changelist, add and change URLs of every registered model of every app, as the staff user may see them."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        urls.append(_url(model, "changelist"))
        if model_admin.has_add_permission(request):
            urls.append(_url(model, "add"))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is None and model._meta.app_label in OUR_APPS:
            first = _build_row(model)
        if first is not None:
            urls.append(_url(model, "change", first.pk))
    return urls


def test_every_admin_page_renders_for_staff(demo_data, staff_client, staff_user, rf):
    request = rf.get("/admin/")
    request.user = staff_user
    urls = _page_urls(request)
    assert _url(Provider, "change", Provider.objects.order_by("pk").first().pk) in urls
    ours = [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]
    assert sum("/change/" in url for url in urls) >= len(ours)
    failures = {}
    for url in urls:
        response = staff_client.get(url)
        if response.status_code != 200:
            failures[url] = response.status_code
    assert failures == {}
    assert staff_client.get(reverse("admin:index")).status_code == 200


def test_admin_pages_need_a_staff_login(demo_data, client):
    response = client.get(_url(Provider, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_provider_list_shows_rating_current_load_and_last_offer(demo_data, staff_client):
    busy = Provider.objects.get(phone="+237678504404")  # Hervé Kamga, assigned in the demo
    response = staff_client.get(_url(Provider, "changelist"), {"q": "Hervé"})
    assert response.status_code == 200
    row = response.context["cl"].result_list[0]
    assert row.pk == busy.pk and row._load == 1
    content = response.content.decode()
    assert "4,70" in content or "4.70" in content
    assert busy.last_offered_at is not None


def test_provider_changelist_queries_do_not_grow_with_rows(demo_data, staff_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert staff_client.get(_url(Provider, "changelist")).status_code == 200


@pytest.mark.parametrize("spelling", ["6 77 50 11 01", "677501101", "+237 677 50 11 01"])
def test_provider_search_finds_a_number_in_any_spelling(demo_data, staff_client, spelling):
    response = staff_client.get(_url(Provider, "changelist"), {"q": spelling})
    assert [p.name for p in response.context["cl"].result_list] == ["Jean-Pierre Mbarga"]


def test_provider_filters_by_category_city_availability_emergency_and_load(demo_data, staff_client):
    url = _url(Provider, "changelist")
    plumbing_id = ServiceCategory.objects.get(slug="plomberie").pk
    plumbing = staff_client.get(url, {"categories__id__exact": plumbing_id, "city": "yaounde"})
    names = {p.name for p in plumbing.context["cl"].result_list}
    assert names == {"Alain Essomba", "Guy Owona"}
    unavailable = staff_client.get(url, {"is_available__exact": "0"}).context["cl"].result_list
    assert unavailable and all(not p.is_available for p in unavailable)
    emergency = staff_client.get(url, {"on_emergency_list__exact": "1"}).context["cl"].result_list
    assert emergency and all(p.on_emergency_list for p in emergency)
    busy = staff_client.get(url, {"load": "busy"}).context["cl"].result_list
    assert {p.name for p in busy} == {"Hervé Kamga"}


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [
        ("mark_unavailable", "is_available", False),
        ("mark_available", "is_available", True),
        ("add_to_emergency_list", "on_emergency_list", True),
        ("remove_from_emergency_list", "on_emergency_list", False),
    ],
)
def test_provider_bulk_actions_work_through_post(staff_client, action, field, value):
    chosen = [make_provider(is_available=not value, on_emergency_list=not value) for _ in range(3)]
    untouched = make_provider(is_available=not value, on_emergency_list=not value)
    response = staff_client.post(
        _url(Provider, "changelist"),
        {"action": action, "_selected_action": [p.pk for p in chosen], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert {getattr(p, field) for p in Provider.objects.filter(pk__in=[p.pk for p in chosen])} == {value}
    untouched.refresh_from_db()
    assert getattr(untouched, field) is (not value)
    assert "3" in [str(m) for m in response.context["messages"]][0]


def test_request_is_found_by_its_reference(demo_data, staff_client):
    target = ServiceRequest.objects.order_by("pk")[2]
    response = staff_client.get(_url(ServiceRequest, "changelist"), {"q": target.reference})
    assert [r.pk for r in response.context["cl"].result_list] == [target.pk]
    assert target.reference in response.content.decode()


def test_request_filters_by_status_and_attention(demo_data, staff_client):
    url = _url(ServiceRequest, "changelist")
    escalated = staff_client.get(url, {"status__exact": "escalated"}).context["cl"].result_list
    assert [r.status for r in escalated] == ["escalated"]
    attention = staff_client.get(url, {"attention": "escalated"}).context["cl"].result_list
    assert [r.pk for r in attention] == [r.pk for r in escalated]
    exact = staff_client.get(url, {"match_level__exact": "exact"}).context["cl"].result_list
    assert exact and all(r.match_level == "exact" for r in exact)


def test_request_change_page_shows_timeline_and_offers(demo_data, staff_client):
    request = ServiceRequest.objects.get(status=RequestStatus.ASSIGNED)
    content = staff_client.get(_url(ServiceRequest, "change", request.pk)).content.decode()
    assert request.events.count() == 5
    assert "seed_demo" in content  # the actor of every timeline entry
    assert "Attribuée" in content and "Statut d’arrivée" in content  # labels, in French
    for offer in request.offers.select_related("provider"):
        assert offer.provider.name in content


def test_cancel_action_goes_through_the_state_machine(staff_client, staff_user):
    open_request = make_request(status=RequestStatus.SEARCHING)
    closed = make_request(status=RequestStatus.SEARCHING)
    request_transition(service_request=closed, to=RequestStatus.CANCELLED)
    response = staff_client.post(
        _url(ServiceRequest, "changelist"),
        {"action": "cancel_requests", "_selected_action": [open_request.pk, closed.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.CANCELLED
    event = RequestEvent.objects.filter(request=open_request).get()
    assert event.actor == f"staff:{staff_user.username}"
    texts = " ".join(str(m) for m in response.context["messages"])
    assert closed.reference in texts


def test_cancel_action_withdraws_the_pending_offer_and_tells_provider_and_client(staff_client):
    plumbing, zone = make_category(), make_zone()
    provider = make_provider(categories=[plumbing], zones=[zone])
    offered = make_request(category=plumbing, zone=zone, status=RequestStatus.SEARCHING)
    offer_next(service_request=offered)
    assert offered.offers.get().status == OfferStatus.PENDING

    staff_client.post(
        _url(ServiceRequest, "changelist"),
        {"action": "cancel_requests", "_selected_action": [offered.pk], "index": 0},
    )

    assert offered.offers.get().status == OfferStatus.WITHDRAWN
    notifications = Notification.objects.filter(subject=f"request:{offered.pk}")
    recipients = set(notifications.values_list("recipient_phone", flat=True))
    assert {provider.phone, offered.client.phone} <= recipients


def test_reassign_action_needs_its_own_permission_and_sends_the_request_back_to_matching(
    staff_client, django_user_model
):
    plumbing, zone = make_category(), make_zone()
    first = make_provider(categories=[plumbing], zones=[zone])
    second = make_provider(categories=[plumbing], zones=[zone])
    escalated = make_request(category=plumbing, zone=zone, status=RequestStatus.ESCALATED)
    escalated.offers.create(provider=first, level="exact", status=OfferStatus.DECLINED,
                            expires_at=timezone.now() + timezone.timedelta(minutes=5))
    payload = {"action": "reassign_requests", "_selected_action": [escalated.pk], "index": 0}

    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_servicerequest", "change_servicerequest"])
    )
    clerk_client = Client()
    clerk_client.force_login(clerk)
    clerk_client.post(_url(ServiceRequest, "changelist"), payload)
    escalated.refresh_from_db()
    assert escalated.status == RequestStatus.ESCALATED  # the action is not even offered to this user

    staff_client.post(_url(ServiceRequest, "changelist"), payload)
    escalated.refresh_from_db()
    assert escalated.status == RequestStatus.OFFERED
    assert escalated.offers.get(status=OfferStatus.PENDING).provider == second


def test_admin_speaks_french_by_default_and_english_on_request(demo_data, staff_client):
    url = _url(Provider, "changelist")
    french = staff_client.get(url).content.decode()
    assert "Marquer les prestataires sélectionnés comme disponibles" in french
    assert "charge actuelle" in french
    english = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark selected providers available" in english
    assert "current load" in english
