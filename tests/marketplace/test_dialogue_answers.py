"""Providers' replies read as a person would (issue 8, must-have 1), through the signed webhook and the task queue.

No free-text message ever accepts, declines or completes by accident; an unclear reply gets one short
question and changes nothing.
"""

import pytest

from marketplace.models import OfferStatus, RequestStatus
from messaging.models import Notification
from tests.marketplace.dialogue_support import CLIENT, last_to, replies_to, send, submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_too_much_work_today_declines_and_never_accepts(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    send(client, run_tasks, plumbers["exact"].phone, "Désolé, il y a trop de travail aujourd'hui")

    request.refresh_from_db()
    assert request.offers.get(provider=plumbers["exact"]).status == OfferStatus.DECLINED
    assert request.assigned_provider is None
    assert not Notification.objects.filter(recipient_phone=CLIENT, body__contains="accepté").exists()
    assert request.offers.get(status=OfferStatus.PENDING).provider == plumbers["broad"]


@pytest.mark.parametrize("text", [
    "N'hésitez pas", "il y a un souci avec l'adresse ?", "j'ai 2 chantiers aujourd'hui", "1 seconde je regarde",
    "C'est où exactement ?", "OK ?", "ok mais non finalement",
])
def test_an_unclear_reply_gets_one_short_question_and_changes_nothing(client, run_tasks, plumbers, text):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    unclear = send(client, run_tasks, plumbers["exact"].phone, text)

    assert replies_to(unclear) == [f"Vous acceptez {request.reference} ? Répondez OUI ou NON."]
    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.OFFERED, None)
    assert request.offers.get().status == OfferStatus.PENDING


def test_lone_digits_answer_but_digits_in_a_sentence_do_not(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    send(client, run_tasks, plumbers["exact"].phone, "2")
    send(client, run_tasks, plumbers["broad"].phone, "I have 2 jobs before, 1 moment")
    assert request.offers.get(provider=plumbers["broad"]).status == OfferStatus.PENDING

    send(client, run_tasks, plumbers["broad"].phone, "1")

    request.refresh_from_db()
    assert request.offers.get(provider=plumbers["exact"]).status == OfferStatus.DECLINED
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, plumbers["broad"])


def test_pidgin_and_idioms_accept(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    send(client, run_tasks, plumbers["exact"].phone, "No wahala, I go come")

    request.refresh_from_db()
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, plumbers["exact"])
    assert "Paul Exact" in last_to(CLIENT).body


@pytest.mark.parametrize(("text", "expected"), [
    ("pas encore fini", "rien ne change"), ("not done yet", "rien ne change"), ("Terminé ?", "est-il fini"),
    ("je finis dans 1h", "rien ne change"),
])
def test_not_yet_and_questions_complete_nothing(client, run_tasks, plumbers, text, expected):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    send(client, run_tasks, plumbers["exact"].phone, "OUI")

    answered = send(client, run_tasks, plumbers["exact"].phone, text)

    request.refresh_from_db()
    assert request.status == RequestStatus.ASSIGNED
    assert expected in replies_to(answered)[0] and request.reference in replies_to(answered)[0]
    assert not Notification.objects.filter(recipient_phone=CLIENT, body__contains="terminée").exists()

    send(client, run_tasks, plumbers["exact"].phone, "TERMINÉ")
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED


def test_a_plain_non_declines_and_a_plain_oui_accepts(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")
    send(client, run_tasks, plumbers["exact"].phone, "NON")
    send(client, run_tasks, plumbers["broad"].phone, "OUI")

    request.refresh_from_db()
    assert request.offers.get(provider=plumbers["exact"]).status == OfferStatus.DECLINED
    assert (request.status, request.assigned_provider) == (RequestStatus.ASSIGNED, plumbers["broad"])
