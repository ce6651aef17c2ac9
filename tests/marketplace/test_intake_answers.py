"""Short answers as providers and clients type them: OUI/NON, 1/2, yes/no, accept/refuse, emoji, references."""

import pytest

from marketplace.intake.answers import (
    Answer,
    DoneReport,
    detect_command,
    extract_reference,
    has_words,
    interpret_answer,
    read_done,
)

YES, NO = Answer.YES, Answer.NO


@pytest.mark.parametrize(("text", "expected"), [
    ("OUI", YES), ("oui", YES), ("Ouiii", YES), ("Oui je prends", YES), ("1", YES), ("yes", YES), ("YESSS", YES),
    ("Accept", YES), ("J'accepte", YES), ("accepté", YES), ("ok", YES), ("d'accord", YES), ("👍", YES),
    ("👍🏾", YES), ("✅ DJB-000042", YES), ("OUI DJB-000042", YES),
    ("NON", NO), ("non merci", NO), ("Nooon", NO), ("2", NO), ("no", NO), ("Refuse", NO), ("je refuse", NO),
    ("refusé", NO), ("decline", NO), ("👎", NO), ("❌", NO), ("pas dispo aujourd'hui", NO),
    ("I'm not available", NO),
    ("bonjour", None), ("c'est où exactement ?", None), ("", None), ("DJB-000042", None),
    # Whole words, negation and questions (issue 8): none of these may accept by accident.
    ("Désolé, il y a trop de travail aujourd'hui", NO), ("il y a un souci avec l'adresse", None),
    ("N'hésitez pas", None), ("je n'accepte pas", NO), ("pas d'accord", NO), ("not ok", NO), ("OK ?", None),
    ("j'ai 2 chantiers aujourd'hui", None), ("1 seconde je regarde", None), ("Oui pas de souci", YES),
    ("no wahala", YES), ("no problem, I go come", YES), ("ok mais non finalement", None), ("y", None),
    ("n", None), ("2 DJB-000042", NO), ("C'est combien le déplacement ?", None), ("I no fit today", NO),
    ("Je suis dispo 👍", YES), ("Je ne suis pas dispo", NO),
])
def test_interpret_answer(text, expected):
    assert interpret_answer(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("STATUT", ("status", "fr")), ("status", ("status", "en")), ("Annuler", ("cancel", "fr")),
    ("CANCEL DJB-000007", ("cancel", "en")), ("aide", ("help", "fr")), ("HELP", ("help", "en")),
    ("help! water everywhere in my kitchen at Akwa", None), ("je veux annuler la fuite de ma cuisine", None),
])
def test_detect_command(text, expected):
    assert detect_command(text) == expected


def test_references_and_emoji_only_messages():
    assert extract_reference("oui DJB-000042") == 42
    assert extract_reference("annuler djb42") == 42
    assert extract_reference("oui") is None
    assert has_words("🙏😊") is False
    assert has_words("⚡") is True  # some emoji mean a trade


DONE, NOT_YET, ASKING = DoneReport.DONE, DoneReport.NOT_YET, DoneReport.ASKING


@pytest.mark.parametrize(("text", "expected"), [
    ("TERMINÉ", DONE), ("termine DJB-000042", DONE), ("c'est fini", DONE), ("Done", DONE), ("job finished", DONE),
    ("OUI", None), ("le travail n'est pas encore fini, il manque une piece", None), ("", None),
    ("pas encore fini", NOT_YET), ("not done yet", NOT_YET), ("Terminé ?", ASKING), ("je finis dans 1h", NOT_YET),
    ("c'est pas fini", NOT_YET), ("done ?", ASKING), ("Job don finish", DONE),
])
def test_read_done(text, expected):
    assert read_done(text) == expected
