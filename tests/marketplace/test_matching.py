"""Matching levels (exact → broad → emergency → escalated), the trade kept, ranking and fairness."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.matching import candidates_by_level, next_candidate
from marketplace.models import City, MatchLevel, OfferStatus, ProviderOffer, RequestStatus, ServiceRequest
from marketplace.services.lifecycle import request_complete, request_research, request_submit
from marketplace.services.offers import Outcome, offer_accept, offer_decline
from messaging.models import Notification
from reliability.models import Alert
from tests.factories import make_category, make_client, make_provider, make_request, make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    """Three Douala quarters (home, its neighbour, a far one), one Yaoundé quarter, two trades."""
    home, near, far = make_zone(name="Home"), make_zone(name="Near"), make_zone(name="Far")
    home.neighbours.add(near)
    other_city = make_zone(name="Elsewhere", city=City.YAOUNDE)
    return {
        "home": home, "near": near, "far": far, "yaounde": other_city,
        "plumbing": make_category(slug="plumbing"), "electricity": make_category(slug="electricity"),
    }


def plumbing_request(town, **overrides):
    return make_request(category=town["plumbing"], zone=town["home"], status=RequestStatus.SEARCHING, **overrides)


def test_exact_level_picks_the_trade_in_the_quarter(town):
    plumber = make_provider(categories=[town["plumbing"]], zones=[town["home"]])
    make_provider(categories=[town["electricity"]], zones=[town["home"]], rating=5)

    candidate = next_candidate(plumbing_request(town))

    assert (candidate.provider, candidate.level) == (plumber, MatchLevel.EXACT)


def test_broad_level_goes_to_neighbours_before_the_rest_of_the_city(town):
    far = make_provider(categories=[town["plumbing"]], zones=[town["far"]], rating=5)
    near = make_provider(categories=[town["plumbing"]], zones=[town["near"]], rating=3)

    levels = candidates_by_level(plumbing_request(town))

    assert [c.provider for c in levels[MatchLevel.BROAD]] == [near, far]


def test_unavailable_inactive_and_other_city_providers_are_skipped_before_the_emergency_list(town):
    make_provider(categories=[town["plumbing"]], zones=[town["home"]], is_available=False)
    make_provider(categories=[town["plumbing"]], zones=[town["home"]], is_active=False)
    make_provider(categories=[town["plumbing"]], zones=[town["yaounde"]])
    busy_on_list = make_provider(
        categories=[town["plumbing"]], zones=[town["far"]], is_available=False, on_emergency_list=True
    )

    candidate = next_candidate(plumbing_request(town))

    assert (candidate.provider, candidate.level) == (busy_on_list, MatchLevel.EMERGENCY)


def test_the_trade_is_kept_at_every_level(town):
    make_provider(categories=[town["electricity"]], zones=[town["home"]])
    make_provider(categories=[town["electricity"]], zones=[town["near"]])
    make_provider(categories=[town["electricity"]], zones=[town["far"]], on_emergency_list=True)

    assert next_candidate(plumbing_request(town)) is None


def test_ranking_prefers_rating_then_lower_load(town):
    low = make_provider(categories=[town["plumbing"]], zones=[town["home"]], rating="3.5")
    high = make_provider(categories=[town["plumbing"]], zones=[town["home"]], rating="4.8")
    busy_high = make_provider(categories=[town["plumbing"]], zones=[town["home"]], rating="4.9")
    for _ in range(2):
        make_request(category=town["plumbing"], zone=town["home"], status=RequestStatus.ASSIGNED,
                     assigned_provider=busy_high)

    ranked = [c.provider for c in candidates_by_level(plumbing_request(town))[MatchLevel.EXACT]]

    assert ranked == [high, low, busy_high]


def test_fairness_puts_the_provider_waiting_longest_first_when_otherwise_equal(town):
    now = timezone.now()
    recent = make_provider(categories=[town["plumbing"]], zones=[town["home"]], last_offered_at=now)
    waiting = make_provider(
        categories=[town["plumbing"]], zones=[town["home"]], last_offered_at=now - timedelta(hours=3)
    )
    never = make_provider(categories=[town["plumbing"]], zones=[town["home"]], last_offered_at=None)

    ranked = [c.provider for c in candidates_by_level(plumbing_request(town))[MatchLevel.EXACT]]

    assert ranked == [never, waiting, recent]


def test_declines_walk_down_the_levels_and_exhaustion_escalates_with_an_alert(town):
    exact = make_provider(categories=[town["plumbing"]], zones=[town["home"]])
    broad = make_provider(categories=[town["plumbing"]], zones=[town["near"]])
    make_provider(categories=[town["electricity"]], zones=[town["home"]])  # never offered a plumbing job
    request = request_submit(
        client=make_client(), category=town["plumbing"], zone=town["home"], description="fuite", urgency="urgent"
    )
    assert (request.status, request.match_level) == (RequestStatus.OFFERED, MatchLevel.EXACT)

    offer_decline(offer=request.offers.get(provider=exact))
    request.refresh_from_db()
    assert (request.status, request.match_level) == (RequestStatus.OFFERED, MatchLevel.BROAD)
    offer_decline(offer=request.offers.get(provider=broad))

    request.refresh_from_db()
    assert (request.status, request.match_level) == (RequestStatus.ESCALATED, MatchLevel.ESCALATED)
    assert set(request.offers.values_list("provider", "status")) == {
        (exact.pk, OfferStatus.DECLINED), (broad.pk, OfferStatus.DECLINED)
    }
    alert = Alert.objects.get(dedup_key=f"request-escalated:{request.pk}")
    assert alert.severity == "critical"
    told = Notification.objects.get(idempotency_key=f"request:{request.pk}:escalated")
    assert told.recipient_phone == request.client.phone and "équipe" in told.body


def test_a_request_with_nobody_at_all_is_escalated_at_once(town):
    request = request_submit(client=make_client(), category=town["plumbing"], zone=town["home"], description="x")

    assert ServiceRequest.objects.get(pk=request.pk).status == RequestStatus.ESCALATED
    assert Alert.objects.filter(dedup_key=f"request-escalated:{request.pk}", severity="warning").exists()


def test_staff_send_an_escalated_request_back_to_matching_once_a_provider_is_free(town):
    request = request_submit(client=make_client(), category=town["plumbing"], zone=town["home"], description="x")
    assert ServiceRequest.objects.get(pk=request.pk).status == RequestStatus.ESCALATED
    freed = make_provider(categories=[town["plumbing"]], zones=[town["near"]])

    offer = request_research(service_request=request, actor="staff")

    request.refresh_from_db()
    assert (offer.provider, offer.level) == (freed, MatchLevel.BROAD)
    assert (request.status, request.match_level) == (RequestStatus.OFFERED, MatchLevel.BROAD)
    assert request.search_deadline > timezone.now()


def test_completion_counts_the_job_and_thanks_the_client(town):
    plumber = make_provider(categories=[town["plumbing"]], zones=[town["home"]])
    request = request_submit(client=make_client(), category=town["plumbing"], zone=town["home"], description="x")
    offer_accept(offer=request.offers.get())

    request_complete(service_request=request, actor="staff")

    request.refresh_from_db()
    plumber.refresh_from_db()
    assert (request.status, plumber.jobs_completed, plumber.offers_accepted) == (RequestStatus.COMPLETED, 1, 1)
    thanks = Notification.objects.get(idempotency_key=f"request:{request.pk}:completed")
    assert request.reference in thanks.body and thanks.recipient_phone == request.client.phone


def test_a_second_acceptance_of_a_closed_offer_changes_nothing(town):
    plumber = make_provider(categories=[town["plumbing"]], zones=[town["home"]])
    request = request_submit(client=make_client(), category=town["plumbing"], zone=town["home"], description="x")
    offer = request.offers.get()

    assert offer_accept(offer=offer) == Outcome.ACCEPTED
    assert offer_accept(offer=ProviderOffer.objects.get(pk=offer.pk)) == Outcome.CLOSED
    assert offer_decline(offer=ProviderOffer.objects.get(pk=offer.pk)) == Outcome.CLOSED

    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, plumber)
    assert Notification.objects.filter(idempotency_key__startswith=f"request:{request.pk}:assigned").count() == 1


def test_staff_can_send_an_assigned_request_to_another_provider(town):
    first = make_provider(categories=[town["plumbing"]], zones=[town["home"]], rating="4.9")
    second = make_provider(categories=[town["plumbing"]], zones=[town["home"]], rating="4.0")
    request = request_submit(client=make_client(), category=town["plumbing"], zone=town["home"], description="x")
    offer_accept(offer=request.offers.get(provider=first))

    offer = request_research(service_request=request, actor="staff")
    assert offer_accept(offer=offer) == Outcome.ACCEPTED

    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, second)
    assert request.offers.get(provider=first).status == OfferStatus.WITHDRAWN
    assert Notification.objects.filter(idempotency_key=f"request:{request.pk}:unassigned:{first.pk}").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_accepting_the_same_offer_assign_it_once(town):
    make_provider(categories=[town["plumbing"]], zones=[town["home"]])
    request = request_submit(client=make_client(), category=town["plumbing"], zone=town["home"], description="x")
    offer_id = request.offers.get().pk
    barrier, outcomes = threading.Barrier(2), []

    def accept():
        try:
            barrier.wait(timeout=5)
            outcomes.append(offer_accept(offer=ProviderOffer.objects.select_related("request", "provider").get(
                pk=offer_id)))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(outcomes) == [Outcome.ACCEPTED, Outcome.CLOSED]
    assert Notification.objects.filter(idempotency_key__startswith=f"request:{request.pk}:assigned").count() == 1
    assert ServiceRequest.objects.get(pk=request.pk).status == RequestStatus.ASSIGNED
