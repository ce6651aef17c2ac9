"""Corrections edit, never restart (issue 8, must-have 2), through the signed webhook and the task queue."""

import pytest

from marketplace.models import IntakeSession, OfferStatus, RequestStatus, ServiceCategory, ServiceRequest
from messaging.models import Notification
from tests.marketplace.dialogue_support import CLIENT, last_to, open_request, replies_to, send, submit, zone

pytestmark = pytest.mark.django_db(transaction=True)


def slots() -> dict:
    return IntakeSession.objects.get(client__phone=CLIENT).slots


def test_non_plus_a_new_quarter_changes_the_quarter_and_keeps_the_rest(client, run_tasks, plumbers):
    send(client, run_tasks, CLIENT, "Urgent, fuite d'eau sous l'évier à Bonapriso")
    corrected = send(client, run_tasks, CLIENT, "Non pas Bonapriso, c'est à Akwa")

    assert "Récapitulatif" in replies_to(corrected)[0] and "Akwa" in replies_to(corrected)[0]
    kept = slots()
    assert (kept["category"], kept["zone"], kept["urgency"]) == ("plomberie", zone("Akwa").pk, "urgent")
    assert kept["description"] == "Urgent, fuite d'eau sous l'évier à Akwa"  # the provider reads the right quarter
    send(client, run_tasks, CLIENT, "OUI")
    assert (open_request().zone.name, open_request().description) == ("Akwa", kept["description"])


def test_a_bare_non_asks_what_to_change_and_keeps_everything(client, run_tasks, webhook):
    send(client, run_tasks, CLIENT, "fuite d'eau a Bonamoussadi")
    before = slots()

    asked = send(client, run_tasks, CLIENT, "Non")

    assert "Que faut-il changer" in replies_to(asked)[0]
    kept = ("category", "zone", "description", "awaiting")
    assert {key: slots()[key] for key in kept} == {key: before[key] for key in kept}
    assert not ServiceRequest.objects.filter(client__phone=CLIENT).exists()


def test_an_added_detail_joins_the_description_and_submits_nothing(client, run_tasks, webhook):
    send(client, run_tasks, CLIENT, "fuite d'eau sous l'évier a Bonamoussadi")

    detailed = send(client, run_tasks, CLIENT, "Il y a aussi une fuite au salon")

    assert not ServiceRequest.objects.filter(client__phone=CLIENT).exists()
    assert "aussi une fuite au salon" in replies_to(detailed)[0] and "Récapitulatif" in replies_to(detailed)[0]
    send(client, run_tasks, CLIENT, "oui")
    assert open_request().description == "fuite d'eau sous l'évier a Bonamoussadi — Il y a aussi une fuite au salon"


def test_after_a_trade_correction_the_new_provider_reads_no_word_of_the_old_trade(client, run_tasks, plumbers):
    send(client, run_tasks, CLIENT, "J'ai besoin d'un plombier à Bonamoussadi")
    send(client, run_tasks, CLIENT, "Non c'est un électricien qu'il faut, les prises ne marchent plus")
    send(client, run_tasks, CLIENT, "OUI")

    request = open_request()
    assert request.category.slug == "electricite" and "plombier" not in request.description
    offer = last_to(plumbers["electrician"].phone).body
    assert "prises ne marchent plus" in offer and "plombier" not in offer


def test_a_quarter_change_while_searching_rematches_and_tells_the_client(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    assert request.offers.get().provider == plumbers["exact"]

    send(client, run_tasks, CLIENT, "Je me suis trompé, c'est à Makepe")

    request.refresh_from_db()
    assert request.zone == zone("Makepe")
    assert request.offers.get(provider=plumbers["exact"]).status == OfferStatus.WITHDRAWN
    assert request.offers.get(status=OfferStatus.PENDING).provider == plumbers["broad"]
    told = Notification.objects.get(idempotency_key=f"request:{request.pk}:zone:{zone('Makepe').pk}")
    assert told.recipient_phone == CLIENT and "Makepe" in told.body
    assert "quartier" in last_to(plumbers["exact"].phone).body  # not "cancelled by the client"


def test_a_second_need_becomes_a_second_request_after_its_own_confirmation(client, run_tasks, plumbers):
    electricity = ServiceCategory.objects.get(slug="electricite")
    first = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    second_need = send(client, run_tasks, CLIENT, "j'ai aussi besoin d'un électricien, la prise du salon a grillé")
    assert first.reference in replies_to(second_need)[0] and "Récapitulatif" in replies_to(second_need)[1]
    assert ServiceRequest.objects.filter(client__phone=CLIENT).count() == 1
    send(client, run_tasks, CLIENT, "oui")

    second = open_request()
    assert second != first and (second.category, second.zone) == (electricity, zone("Bonamoussadi"))
    first.refresh_from_db()
    assert first.status == RequestStatus.OFFERED



def test_the_ai_parser_gets_the_conversation_so_far(client, run_tasks, webhook, fake_ai):
    fake_ai.answer = {"category": "plomberie", "zone": None, "urgency": "normal", "language": "fr"}
    send(client, run_tasks, CLIENT, "plombier svp")
    fake_ai.answer = {"category": "plomberie", "zone": "Makepe", "urgency": "normal", "language": "fr"}

    send(client, run_tasks, CLIENT, "je suis a Makepe")

    contents = [m["content"] for m in fake_ai.requests[-1]["json"]["messages"][1:]]
    assert contents == ["plombier svp", "je suis a Makepe"]
