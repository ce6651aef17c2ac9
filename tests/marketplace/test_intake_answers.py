"""Short answers as providers and clients type them: OUI/NON, 1/2, yes/no, accept/refuse, emoji, references."""

import pytest

from marketplace.intake.answers import (
    Answer,
    detect_command,
    extract_reference,
    has_words,
    interpret_answer,
    reports_done,
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


@pytest.mark.parametrize(("text", "expected"), [
    ("TERMINÉ", True), ("termine DJB-000042", True), ("c'est fini", True), ("Done", True), ("job finished", True),
    ("OUI", False), ("le travail n'est pas encore fini, il manque une piece", False), ("", False),
])
def test_reports_done(text, expected):
    assert reports_done(text) is expected
