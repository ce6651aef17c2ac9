"""Whole conversations through the signed Twilio webhook, with the queued tasks really run.

Client → summary → OUI → request → offer → decline → next provider → accept → client informed;
offer expiry, escalation, cancel, status, a provider's OUI answering its own offer among several
open requests, a provider with nothing pending, emoji-only and media-only messages.
"""

from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from marketplace import tasks
from marketplace.models import (
    Client,
    IntakeSession,
    MatchLevel,
    OfferStatus,
    Provider,
    ProviderOffer,
    RequestStatus,
    ServiceCategory,
    ServiceRequest,
)
from marketplace.services.transitions import request_transition
from messaging.models import Notification
from reliability.models import Alert
from tests.factories import make_provider
from tests.marketplace.dialogue_support import (
    CLIENT,
    OTHER_CLIENT,
    last_to,
    open_request,
    replies_to,
    send,
    submit,
    zone,
)

pytestmark = pytest.mark.django_db(transaction=True)

def test_french_client_to_assignment_through_decline_and_next_provider(client, run_tasks, plumbers):
    first = send(client, run_tasks, CLIENT, "J'ai une fuite d'eau à Bonamoussadi, ça coule partout")
    assert "Récapitulatif" in replies_to(first)[0] and "Bonamoussadi" in replies_to(first)[0]
    assert not ServiceRequest.objects.filter(client__phone=CLIENT).exists()  # nothing before the client confirms

    send(client, run_tasks, CLIENT, "OUI 👍")
    request = open_request()
    assert (request.status, request.match_level, request.category.slug) == ("offered", "exact", "plomberie")
    received = Notification.objects.get(idempotency_key=f"request:{request.pk}:received")
    assert request.reference in received.body and received.recipient_phone == CLIENT
    offer_body = last_to(plumbers["exact"].phone).body
    assert request.reference in offer_body and "OUI" in offer_body and "Bonamoussadi" in offer_body

    send(client, run_tasks, plumbers["exact"].phone, "Non merci")
    first_offer = request.offers.get(provider=plumbers["exact"])
    ack = Notification.objects.get(idempotency_key=f"offer:{first_offer.pk}:declined")
    assert request.reference in ack.body and ack.recipient_phone == plumbers["exact"].phone
    request.refresh_from_db()
    assert (request.status, request.match_level) == ("offered", "broad")
    assert "YES" in last_to(plumbers["broad"].phone).body  # Bella reads English
    assert "un autre" in last_to(CLIENT).body  # the client hears the search moved on, not the same news again

    send(client, run_tasks, plumbers["broad"].phone, "yes")
    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, plumbers["broad"])
    told = last_to(CLIENT)
    assert "Bella Broad" in told.body and plumbers["broad"].phone in told.body
    assert CLIENT in last_to(plumbers["broad"].phone).body
    assert not ProviderOffer.objects.filter(provider=plumbers["electrician"]).exists()


def test_english_client_is_asked_for_the_missing_quarter_in_english(client, run_tasks, webhook):
    electricity = ServiceCategory.objects.get(slug="electricite")
    volt = make_provider(name="Eric Volt", categories=[electricity], zones=[zone("Bastos")])

    asked = send(client, run_tasks, CLIENT, "I need an electrician please, the power is off")
    assert "Which area" in replies_to(asked)[0]
    summary = send(client, run_tasks, CLIENT, "Bastos")
    assert "Summary" in replies_to(summary)[0]
    send(client, run_tasks, CLIENT, "YES")

    request = open_request()
    assert (request.status, request.zone.name, request.client.language) == ("offered", "Bastos", "en")
    assert request.offers.get().provider == volt


def test_a_bare_trade_gets_one_question_at_a_time(client, run_tasks, webhook):
    asked_zone = send(client, run_tasks, CLIENT, "plombier")
    asked_description = send(client, run_tasks, CLIENT, "a Makepe")
    summary = send(client, run_tasks, CLIENT, "le robinet de la cuisine fuit")

    assert len(replies_to(asked_zone)) == 1 and "quartier" in replies_to(asked_zone)[0]
    assert "Décrivez" in replies_to(asked_description)[0]
    assert "robinet" in replies_to(summary)[0]
    assert IntakeSession.objects.get(client__phone=CLIENT).slots["awaiting"] == "confirm"


def test_the_provider_is_reminded_once_then_the_expired_offer_moves_to_the_next_provider(
    client, run_tasks, plumbers
):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    offer = request.offers.get()
    now = timezone.now()
    ProviderOffer.objects.filter(pk=offer.pk).update(sent_at=now - timedelta(minutes=9),
                                                     expires_at=now + timedelta(minutes=1))
    assert tasks.remind_offers() == 1
    assert tasks.remind_offers() == 0
    reminder = Notification.objects.get(idempotency_key=f"offer:{offer.pk}:reminder")
    assert reminder.recipient_phone == plumbers["exact"].phone and request.reference in reminder.body

    ProviderOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks.expire_offers() == 1
    run_tasks()
    assert tasks.expire_offers() == 0  # idempotent

    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert "expiré" in last_to(plumbers["exact"].phone).body
    assert request.offers.get(status=OfferStatus.PENDING).provider == plumbers["broad"]


def test_countdown_then_escalation_when_the_search_deadline_passes(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi urgent")
    ServiceRequest.objects.filter(pk=request.pk).update(search_deadline=timezone.now() + timedelta(minutes=4))

    assert tasks.send_countdowns() == 1
    assert tasks.send_countdowns() == 1  # the same warning again is the same message
    assert Notification.objects.filter(idempotency_key__startswith=f"request:{request.pk}:countdown").count() == 1

    ServiceRequest.objects.filter(pk=request.pk).update(search_deadline=timezone.now() - timedelta(seconds=1))
    assert tasks.escalate_overdue() == 1
    assert tasks.escalate_overdue() == 0
    run_tasks()

    request.refresh_from_db()
    assert (request.status, request.match_level) == (RequestStatus.ESCALATED, MatchLevel.ESCALATED)
    assert Alert.objects.filter(dedup_key=f"request-escalated:{request.pk}", severity="critical").exists()
    assert "équipe" in last_to(CLIENT).body


def test_status_in_the_clients_language_then_cancel_withdraws_the_offer_and_tells_the_provider(
    client, run_tasks, plumbers
):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    fr = send(client, run_tasks, CLIENT, "statut")
    en = send(client, run_tasks, CLIENT, "STATUS")
    assert request.reference in replies_to(fr)[0] and "proposée" in replies_to(fr)[0]
    # Issue 8: the language is the client's, not the command word's (it used to switch to English for good).
    assert request.reference in replies_to(en)[0] and "proposée" in replies_to(en)[0]
    assert Client.objects.get(phone=CLIENT).language == "fr"

    send(client, run_tasks, CLIENT, "ANNULER")

    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert request.offers.get().status == OfferStatus.WITHDRAWN
    assert "annulé" in last_to(plumbers["exact"].phone).body
    assert request.reference in last_to(CLIENT).body and "annulée" in last_to(CLIENT).body
    late = send(client, run_tasks, plumbers["exact"].phone, "OUI")
    assert "plus disponible" in replies_to(late)[0]


def test_a_providers_oui_answers_its_own_offer_not_the_newest_request(client, run_tasks, plumbers):
    plumbing = ServiceCategory.objects.get(slug="plomberie")
    akwa = make_provider(name="Alain Akwa", categories=[plumbing], zones=[zone("Akwa")], rating="4.9")
    older = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    newer = submit(client, run_tasks, "robinet qui fuit a Akwa", sender=OTHER_CLIENT)
    assert older.offers.get().provider == plumbers["exact"] and newer.offers.get().provider == akwa

    send(client, run_tasks, plumbers["exact"].phone, "oui")

    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, older.assigned_provider) == (RequestStatus.ASSIGNED, plumbers["exact"])
    assert (newer.status, newer.assigned_provider) == (RequestStatus.OFFERED, None)


def test_odd_messages_each_get_a_helpful_answer_and_create_nothing(client, run_tasks, plumbers):
    no_offer = send(client, run_tasks, plumbers["exact"].phone, "OUI")
    helped = send(client, run_tasks, CLIENT, "AIDE")
    emoji = send(client, run_tasks, CLIENT, "🙏😊")
    media = send(client, run_tasks, CLIENT, "", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1",
                 MediaContentType0="image/jpeg")
    send(client, run_tasks, CLIENT, "fuite d'eau a Bonamoussadi")
    restarted = send(client, run_tasks, CLIENT, "non")

    assert "aucune demande en attente" in replies_to(no_offer)[0]
    assert "STATUT" in replies_to(helped)[0]
    assert "quelques mots" in replies_to(emoji)[0]
    assert "photo" in replies_to(media)[0]
    # Issue 8: a bare "non" to the summary asks what to change and keeps what was said.
    assert "Que faut-il changer" in replies_to(restarted)[0]
    assert IntakeSession.objects.get(client__phone=CLIENT).slots["awaiting"] == "confirm"
    assert not ServiceRequest.objects.filter(client__phone=CLIENT).exists()


def test_a_slow_ai_still_gets_the_client_an_answer(client, run_tasks, webhook, fake_ai):
    fake_ai.mode, fake_ai.delay = "slow", 5.0

    summary = send(client, run_tasks, CLIENT, "need an electrician in Bastos urgently")

    assert "Summary" in replies_to(summary)[0] and "Bastos" in replies_to(summary)[0]
    assert len(fake_ai.requests) == 1  # the AI was asked, and the rules answered in its place

    send(client, run_tasks, CLIENT, "yes")
    assert len(fake_ai.requests) == 1  # a plain "yes" to the summary needs no AI
    assert open_request().category.slug == "electricite"


def test_a_provider_with_two_pending_offers_must_name_one(client, run_tasks, plumbers):
    Provider.objects.filter(pk=plumbers["broad"].pk).update(is_active=False)
    first = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    second = submit(client, run_tasks, "robinet qui fuit a Bonamoussadi", sender=OTHER_CLIENT)
    assert {first.offers.get().provider, second.offers.get().provider} == {plumbers["exact"]}

    ambiguous = send(client, run_tasks, plumbers["exact"].phone, "OUI")
    assert first.reference in replies_to(ambiguous)[0] and second.reference in replies_to(ambiguous)[0]
    send(client, run_tasks, plumbers["exact"].phone, f"OUI {second.reference}")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (RequestStatus.OFFERED, RequestStatus.ASSIGNED)


def test_with_the_demo_providers_an_english_conversation_ends_with_a_provider_assigned(client, run_tasks, webhook):
    Provider.objects.update(is_active=True)  # the demo's own providers this time
    request = submit(client, run_tasks, "need an electrician in Bastos urgently")
    offer = request.offers.get()
    assert (offer.provider.name, offer.level) == ("Aboubakar Oumarou", MatchLevel.BROAD)  # Etoa-Meki borders Bastos

    send(client, run_tasks, offer.provider.phone, "OUI")

    request.refresh_from_db()
    assert (request.status, request.urgency, request.client.language) == (RequestStatus.ASSIGNED, "urgent", "en")
    assert "Aboubakar Oumarou" in last_to(CLIENT).body and "accepted your job" in last_to(CLIENT).body


def test_a_short_correction_at_the_summary_updates_it_instead_of_starting_over(client, run_tasks, webhook):
    send(client, run_tasks, CLIENT, "fuite d'eau a Bonamoussadi")
    corrected = send(client, run_tasks, CLIENT, "non Makepe")

    assert "Makepe" in replies_to(corrected)[0] and "Récapitulatif" in replies_to(corrected)[0]
    assert IntakeSession.objects.get(client__phone=CLIENT).slots["zone"] == zone("Makepe").pk


def test_a_sentence_sent_at_the_summary_completes_the_description(client, run_tasks, webhook):
    send(client, run_tasks, CLIENT, "I need a plumber in Bastos")
    completed = send(client, run_tasks, CLIENT, "the kitchen tap is leaking")
    corrected = send(client, run_tasks, CLIENT, "sorry it is for an electrician")  # a correction, not a detail
    status = send(client, run_tasks, CLIENT, "STATUS")
    send(client, run_tasks, CLIENT, "YES")

    assert "Summary" in replies_to(completed)[0] and "kitchen tap is leaking" in replies_to(completed)[0]
    assert "Electrical" in replies_to(corrected)[0]
    assert "not started yet" in replies_to(status)[0]  # the summary still waits for YES, and YES still works
    request = open_request()
    # Issue 8: after a trade correction the electrician no longer reads the plumber's description.
    assert (request.category.slug, request.description) == ("electricite", "sorry it is for an electrician")


@pytest.mark.parametrize(("prepare", "inside_transaction"), [
    ("marketplace.conversation.prepare_inbound", False),
    ("", True),  # without the prepare step the handler parses inside its transaction: the check can tell
])
def test_the_ai_is_called_outside_the_handlers_transaction(
    client, run_tasks, webhook, fake_ai, settings, prepare, inside_transaction
):
    settings.MESSAGING_INBOUND_PREPARE = prepare
    fake_ai.answer = {"category": "electricite", "zone": "Bastos", "urgency": "urgent", "language": "en"}
    worker_connection = connections["default"]  # the connection the task runs on (this thread's)
    seen = []
    fake_ai.on_request = lambda: seen.append(worker_connection.in_atomic_block)

    summary = send(client, run_tasks, CLIENT, "need an electrician in Bastos urgently")

    assert seen == [inside_transaction]
    assert "Summary" in replies_to(summary)[0] and "Bastos" in replies_to(summary)[0]


def test_a_providers_oui_to_a_request_cancelled_from_the_admin_is_told_it_is_closed(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    # A cancellation that bypassed the lifecycle (an old bug of the admin action) left the offer pending.
    request_transition(service_request=request, to=RequestStatus.CANCELLED, actor="staff:admin")

    answered = send(client, run_tasks, plumbers["exact"].phone, "OUI")  # processed, not failed and retried

    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.CANCELLED, None)
    assert request.offers.get().status == OfferStatus.WITHDRAWN
    assert "plus disponible" in replies_to(answered)[0]


def test_the_provider_reports_the_job_done_and_the_client_is_thanked(client, run_tasks, plumbers):
    too_early = send(client, run_tasks, plumbers["exact"].phone, "TERMINÉ")
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    send(client, run_tasks, plumbers["exact"].phone, "OUI")
    assert "TERMINÉ" in last_to(plumbers["exact"].phone).body  # the assignment says how to close the job

    done = send(client, run_tasks, plumbers["exact"].phone, f"fini {request.reference}")

    request.refresh_from_db()
    plumbers["exact"].refresh_from_db()
    assert (request.status, plumbers["exact"].jobs_completed) == (RequestStatus.COMPLETED, 1)
    assert "terminée" in last_to(CLIENT).body and request.reference in last_to(CLIENT).body
    assert request.reference in replies_to(done)[0] and "Merci" in replies_to(done)[0]
    assert "aucun travail en cours" in replies_to(too_early)[0]
