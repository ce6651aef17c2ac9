"""A request's timeline notes read in their reader's language, whatever language their writer ran in (issue 12)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from marketplace.models import RequestEvent, RequestStatus
from marketplace.services.offers import offer_decline, offer_next
from tests.factories import make_category, make_provider, make_request, make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def declined_request():
    """Written as the task cluster writes: in French. Offered to the only plumber, who declines: escalated."""
    trade, zone = make_category(name_fr="Plomberie", name_en="Plumbing"), make_zone()
    provider = make_provider(categories=[trade], zones=[zone])
    request = make_request(category=trade, zone=zone, status=RequestStatus.SEARCHING)
    with translation.override("fr"):
        offer_decline(offer=offer_next(service_request=request))
    request.refresh_from_db()
    assert request.status == RequestStatus.ESCALATED
    return request, provider


def _page(staff_client, request, language: str) -> str:
    response = staff_client.get(reverse("admin:marketplace_servicerequest_change", args=[request.pk]),
                                HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_notes_written_in_french_read_in_english_on_the_request_page(staff_client, declined_request):
    request, provider = declined_request
    page = _page(staff_client, request, "en")
    for note in (f"offered to provider #{provider.pk}", f"declined by #{provider.pk}", "no provider left to offer"):
        assert page.count(note) == 2, note  # the timeline and the status history
    assert "proposée au prestataire" not in page and "plus aucun prestataire" not in page


def test_the_same_notes_read_in_french_for_a_french_reader(staff_client, declined_request):
    request, provider = declined_request
    page = _page(staff_client, request, "fr")
    for note in (f"proposée au prestataire n° {provider.pk}", f"refusée par le n° {provider.pk}",
                 "plus aucun prestataire à qui proposer"):
        assert page.count(note) == 2, note  # the timeline and the status history
    assert "offered to provider" not in page


def test_the_escalation_reason_reads_in_the_api_readers_language(staff_client, declined_request):
    request, _provider = declined_request
    alerts = staff_client.get("/api/monitoring/dashboard/", HTTP_ACCEPT_LANGUAGE="en").json()["alerts"]
    assert {alert["title"] for alert in alerts} >= {f"{request.reference} needs staff: no provider left to offer"}


def test_a_note_stored_before_messages_still_reads_as_written(staff_client):
    request = make_request(status=RequestStatus.SEARCHING)
    RequestEvent.objects.create(request=request, to_status=RequestStatus.SEARCHING, note="intake confirmed")
    assert "intake confirmed" in _page(staff_client, request, "fr")


def test_who_acted_reads_in_the_readers_language(staff_client, declined_request):
    request, _provider = declined_request
    RequestEvent.objects.create(request=request, actor="staff:amina", note="vu")
    actors = {language: re.findall(r'field-actor_label">\s*<p>([^<]*)</p>', _page(staff_client, request, language))
              for language in ("en", "fr")}
    assert actors["en"][-2:] == ["system", "staff (amina)"]
    assert actors["fr"][-2:] == ["système", "équipe (amina)"]
