"""Escalation closes its loop and urgency matters (issue 8, must-haves 4 and 5), through the webhook and tasks."""

from datetime import timedelta

import pytest
from django.db.models import F

from marketplace import tasks
from marketplace.models import MatchLevel, OfferStatus, RequestStatus, ServiceCategory
from reliability.models import Alert, AlertStatus
from tests.factories import make_provider
from tests.marketplace.dialogue_support import CLIENT, last_to, replies_to, send, submit, zone

pytestmark = pytest.mark.django_db(transaction=True)


def let_minutes_pass(request, minutes: int) -> None:
    """Shift the request's offers back in time, as if ``minutes`` had passed, then run the expiry schedule."""
    request.offers.update(sent_at=F("sent_at") - timedelta(minutes=minutes),
                          expires_at=F("expires_at") - timedelta(minutes=minutes))
    tasks.expire_offers()


def escalate(client, run_tasks, request):
    let_minutes_pass(request, 11)  # Paul's offer expires: Bella is asked
    let_minutes_pass(request, 11)  # Bella's expires: nobody left, staff are alerted
    run_tasks()
    request.refresh_from_db()
    assert request.status == RequestStatus.ESCALATED


def alert_status(request) -> str:
    return Alert.objects.get(dedup_key=f"request-escalated:{request.pk}").status


def test_a_late_oui_after_escalation_is_accepted_and_closes_the_alert(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    escalate(client, run_tasks, request)
    assert alert_status(request) == AlertStatus.OPEN
    # Paul's job went to Bella; Bella's went to staff: each is told where it went.
    bella_offer = request.offers.get(provider=plumbers["broad"])
    assert "un autre prestataire" in last_to(plumbers["exact"].phone).body
    told_bella = last_to(plumbers["broad"].phone).body
    assert "our team" in told_bella and "another provider" not in told_bella

    send(client, run_tasks, plumbers["broad"].phone, "yes")

    request.refresh_from_db()
    bella_offer.refresh_from_db()
    assert (request.status, request.assigned_provider, bella_offer.status) == (
        RequestStatus.ASSIGNED, plumbers["broad"], OfferStatus.ACCEPTED)
    assert request.match_level == MatchLevel.BROAD  # how she was found, not "escalated"
    assert alert_status(request) == AlertStatus.RESOLVED
    assert "Bella Broad" in last_to(CLIENT).body


def test_the_escalation_alert_resolves_when_the_client_cancels(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    escalate(client, run_tasks, request)

    send(client, run_tasks, CLIENT, "ANNULER")

    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert alert_status(request) == AlertStatus.RESOLVED


def test_a_late_oui_once_someone_else_holds_the_job_is_refused(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    let_minutes_pass(request, 11)
    send(client, run_tasks, plumbers["broad"].phone, "yes")

    late = send(client, run_tasks, plumbers["exact"].phone, "OUI")

    request.refresh_from_db()
    assert request.assigned_provider == plumbers["broad"]
    assert request.reference in replies_to(late)[0] and "déjà" in replies_to(late)[0]


def test_an_urgent_request_reaches_a_second_provider_within_five_minutes(client, run_tasks, plumbers, settings):
    settings.OFFER_TIMEOUT_URGENT_MINUTES = 3
    request = submit(client, run_tasks, "URGENT l'eau coule partout à Bonamoussadi")
    first = request.offers.get()
    assert request.urgency == "urgent"
    assert first.expires_at - first.sent_at == timedelta(minutes=3)
    assert "3 min" in last_to(plumbers["exact"].phone).body

    let_minutes_pass(request, 4)  # the expiry schedule runs every minute: the first silent minute after 3

    second = request.offers.get(status=OfferStatus.PENDING)
    first.refresh_from_db()
    assert second.provider == plumbers["broad"] and first.status == OfferStatus.EXPIRED
    assert second.sent_at - first.sent_at <= timedelta(minutes=5)


def test_a_normal_request_keeps_the_ordinary_window(client, run_tasks, plumbers, settings):
    settings.OFFER_TIMEOUT_MINUTES = 10
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi, pas urgent")
    offer = request.offers.get()
    assert (request.urgency, offer.expires_at - offer.sent_at) == ("normal", timedelta(minutes=10))


def test_an_urgent_request_reaches_the_emergency_list_before_the_rest_of_the_city(client, run_tasks, plumbers):
    plumbing = ServiceCategory.objects.get(slug="plomberie")
    plumbers["broad"].is_active = False  # no neighbour: next come the city and the emergency list
    plumbers["broad"].save()
    make_provider(name="Carl City", categories=[plumbing], zones=[zone("Akwa")], rating="5")
    on_call = make_provider(name="Eva Urgence", categories=[plumbing], zones=[zone("Akwa")], rating="3",
                            on_emergency_list=True, is_available=False)
    request = submit(client, run_tasks, "URGENT fuite d'eau, ça coule partout à Bonamoussadi")

    let_minutes_pass(request, 4)

    assert request.offers.get(status=OfferStatus.PENDING).provider == on_call  # before Carl, elsewhere in town
    request.refresh_from_db()
    assert request.match_level == MatchLevel.EMERGENCY


def test_the_escalation_alert_resolves_when_the_job_is_completed(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    escalate(client, run_tasks, request)
    send(client, run_tasks, plumbers["exact"].phone, "OUI")
    assert alert_status(request) == AlertStatus.RESOLVED
    Alert.objects.filter(dedup_key=f"request-escalated:{request.pk}").update(status=AlertStatus.OPEN)  # reopened

    send(client, run_tasks, plumbers["exact"].phone, "TERMINÉ")

    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED and alert_status(request) == AlertStatus.RESOLVED
