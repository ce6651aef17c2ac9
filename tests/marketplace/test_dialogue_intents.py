"""Intents beyond the slots, answered specifically in the client's language (issue 8, must-have 3)."""

import pytest

from marketplace.models import RequestStatus
from reliability.models import Alert
from tests.marketplace.dialogue_support import CLIENT, OTHER_CLIENT, replies_to, send, submit

pytestmark = pytest.mark.django_db(transaction=True)

OPENING = ("De quel service", "What service")


def assigned(client, run_tasks, plumbers, text="fuite d'eau a Bonamoussadi"):
    request = submit(client, run_tasks, text)
    send(client, run_tasks, plumbers["exact"].phone, "OUI")
    request.refresh_from_db()
    assert request.status == RequestStatus.ASSIGNED
    return request


def only_reply(message) -> str:
    replies = replies_to(message)
    assert replies and not any(opening in body for body in replies for opening in OPENING)
    return " ".join(replies)


def test_thanks_after_assignment_is_answered_not_asked_the_opening_question(client, run_tasks, plumbers):
    assigned(client, run_tasks, plumbers)

    assert "Avec plaisir" in only_reply(send(client, run_tasks, CLIENT, "Merci !"))
    assert "Content de vous relire" in only_reply(send(client, run_tasks, CLIENT, "Bonjour"))


def test_a_price_question_says_how_pricing_works_and_names_the_provider(client, run_tasks, plumbers):
    assigned(client, run_tasks, plumbers)

    answer = only_reply(send(client, run_tasks, CLIENT, "Wetin be the price?"))

    assert "prix" in answer and "Paul Exact" in answer and plumbers["exact"].phone in answer


def test_when_does_he_arrive_names_the_provider_and_when_they_accepted(client, run_tasks, plumbers):
    request = assigned(client, run_tasks, plumbers)

    answer = only_reply(send(client, run_tasks, CLIENT, "il arrive quand ?"))

    assert "Paul Exact" in answer and plumbers["exact"].phone in answer and request.reference in answer
    assert "accepté" in answer


def test_when_does_he_arrive_while_searching_says_nobody_accepted_yet(client, run_tasks, plumbers):
    request = submit(client, run_tasks, "fuite d'eau a Bonamoussadi")

    answer = only_reply(send(client, run_tasks, CLIENT, "il arrive quand ?"))

    assert "Personne n'a encore accepté" in answer and request.reference in answer


def test_nobody_came_after_completion_alerts_staff_and_a_person_will_call(client, run_tasks, plumbers):
    request = assigned(client, run_tasks, plumbers)
    send(client, run_tasks, plumbers["exact"].phone, "TERMINÉ")

    answer = only_reply(send(client, run_tasks, CLIENT, "Comment ça terminée ? Personne n'est venu !"))

    alert = Alert.objects.get(dedup_key=f"complaint:{request.reference}")
    assert alert.severity == "critical" and "Personne" in alert.detail
    assert "va vous appeler" in answer and request.reference in answer


def test_a_provider_asking_to_join_reaches_staff(client, run_tasks, webhook):
    joining = send(client, run_tasks, OTHER_CLIENT, "Bonjour, je suis plombier et je veux devenir prestataire")
    answer = only_reply(joining)

    assert Alert.objects.filter(dedup_key=f"join:{OTHER_CLIENT}").exists()
    assert "inscrire" in answer


def test_an_unknown_number_answering_an_offer_is_told_it_is_not_a_provider(client, run_tasks, webhook):
    answer = only_reply(send(client, run_tasks, OTHER_CLIENT, "OUI DJB-000003"))

    assert "pas enregistré comme prestataire" in answer and "DJB-000003" in answer


def test_an_english_client_gets_english_answers(client, run_tasks, plumbers):
    submit(client, run_tasks, "I have a water leak in Bonamoussadi")
    send(client, run_tasks, plumbers["exact"].phone, "OUI")

    assert "You're welcome" in only_reply(send(client, run_tasks, CLIENT, "thanks"))
    assert "agree the price" in only_reply(send(client, run_tasks, CLIENT, "how much will it cost?"))
