"""WhatsApp as people use it (issue 8, must-haves 6 and 7), through the signed webhook and the task queue."""

import pytest

from marketplace.models import Client, IntakeSession, OfferStatus, Provider, RequestStatus
from messaging.models import Notification
from tests.marketplace.dialogue_support import CLIENT, last_to, open_request, replies_to, send, submit, zone

pytestmark = pytest.mark.django_db(transaction=True)

PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


def media(content_type: str, url: str = PHOTO) -> dict:
    return {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": content_type}


def slots() -> dict:
    return IntakeSession.objects.get(client__phone=CLIENT).slots


def test_a_shared_location_sets_the_nearest_quarter(client, run_tasks, webhook):
    send(client, run_tasks, CLIENT, "plombier")

    located = send(client, run_tasks, CLIENT, "", Latitude="4.0805", Longitude="9.7495",
                   Address="Rue de Makepe", Label="Chez moi")

    assert slots()["zone"] == zone("Makepe").pk
    assert "Décrivez" in replies_to(located)[0]


def test_a_location_far_from_every_quarter_asks_for_the_name(client, run_tasks, webhook):
    send(client, run_tasks, CLIENT, "plombier")

    far = send(client, run_tasks, CLIENT, "", Latitude="48.8566", Longitude="2.3522")

    assert "Écrivez le nom de votre quartier" in replies_to(far)[0] and "zone" not in slots()


@pytest.mark.parametrize(("content_type", "expected"), [
    ("audio/ogg", "messages vocaux"), ("image/webp", "sticker"), ("text/vcard", "contact"),
    ("application/octet-stream", "ce type de message"),
])
def test_a_voice_note_a_sticker_or_a_contact_card_gets_an_answer_that_fits(client, run_tasks, webhook,
                                                                          content_type, expected):
    answered = send(client, run_tasks, CLIENT, "", **media(content_type))

    assert expected in replies_to(answered)[0] and "photo" not in replies_to(answered)[0]


def test_photos_are_attached_to_the_request_and_shown_to_the_provider_with_the_offer(client, run_tasks, plumbers):
    photo = send(client, run_tasks, CLIENT, "", **media("image/jpeg"))
    assert "photo" in replies_to(photo)[0] and "De quel service" in replies_to(photo)[1]
    send(client, run_tasks, CLIENT, "fuite d'eau sous l'évier a Bonamoussadi", **media("image/jpeg", PHOTO + "2"))
    send(client, run_tasks, CLIENT, "oui")

    request = open_request()
    assert request.photos == [PHOTO, PHOTO + "2"]
    offer = last_to(plumbers["exact"].phone).body
    assert PHOTO in offer and PHOTO + "2" in offer and request.reference in offer


def test_a_photo_sent_while_searching_joins_the_open_request(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    added = send(client, run_tasks, CLIENT, "", **media("image/png"))

    request.refresh_from_db()
    assert request.photos == [PHOTO] and request.reference in replies_to(added)[0]


def test_a_quick_reply_button_payload_is_what_the_provider_means(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    send(client, run_tasks, plumbers["exact"].phone, "Accepter la demande", ButtonPayload="OUI",
         ButtonText="Accepter la demande")

    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, plumbers["exact"])


def test_stop_opts_out_of_everything_but_answers_and_start_opts_back_in(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    stopped = send(client, run_tasks, CLIENT, "STOP", OptOutType="STOP")
    assert Client.objects.get(phone=CLIENT).opted_out and "DEMARRER" in replies_to(stopped)[0]

    send(client, run_tasks, plumbers["exact"].phone, "NON")  # the search moves on: normally the client hears it
    next_offer = request.offers.get(provider=plumbers["broad"])
    assert next_offer.status == OfferStatus.PENDING
    assert not Notification.objects.filter(idempotency_key=f"offer:{next_offer.pk}:client").exists()
    status = send(client, run_tasks, CLIENT, "STATUT")
    assert request.reference in replies_to(status)[0]  # an answer to their own message still goes

    send(client, run_tasks, CLIENT, "DEMARRER")
    assert not Client.objects.get(phone=CLIENT).opted_out


def test_a_provider_who_writes_arret_gets_no_more_offers(client, run_tasks, plumbers):
    send(client, run_tasks, plumbers["exact"].phone, "ARRET")

    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    assert not Provider.objects.get(pk=plumbers["exact"].pk).is_active
    assert request.offers.get().provider == plumbers["broad"]


def test_a_reaction_is_accepted_and_changes_nothing(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    reaction = send(client, run_tasks, plumbers["exact"].phone, "👍", MessageType="reaction")

    request.refresh_from_db()
    assert replies_to(reaction) == [] and request.status == RequestStatus.OFFERED


@pytest.mark.parametrize("text", ["Ich brauche bitte schnell Hilfe", "我需要一个水管工"])
def test_a_language_the_bot_does_not_speak_gets_a_short_bilingual_answer(client, run_tasks, webhook, text):
    answered = send(client, run_tasks, CLIENT, text)

    assert "français et anglais" in replies_to(answered)[0] and "French and English" in replies_to(answered)[0]


def test_a_reaction_without_a_body_is_accepted_with_200_and_changes_nothing(client, run_tasks, plumbers):
    # Twilio posts a WhatsApp reaction with MessageType=reaction and an empty Body: a 200, not a 400.
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    reaction = send(client, run_tasks, plumbers["exact"].phone, "", MessageType="reaction")

    request.refresh_from_db()
    assert replies_to(reaction) == [] and request.status == RequestStatus.OFFERED


def test_an_unsupported_message_type_without_a_body_gets_a_polite_answer(client, run_tasks, webhook):
    unsupported = send(client, run_tasks, CLIENT, "", MessageType="unsupported")

    assert len(replies_to(unsupported)) == 1
