"""The offline rules parser against the parser table (tests/marketplace/parser_cases.json) and seed_demo data."""

import json
from pathlib import Path

from marketplace.intake.base import get_parser
from marketplace.intake.rules import RulesParser
from marketplace.models import Zone

CASES = json.loads((Path(__file__).parent / "parser_cases.json").read_text(encoding="utf-8"))


def test_the_parser_table_has_at_least_40_cases_in_both_languages():
    assert len(CASES) >= 40
    assert {case["language"] for case in CASES} == {"fr", "en"}


def test_rules_parser_reads_every_message_of_the_table(demo_data):
    """One test over the whole table (seeding once), listing every mismatch."""
    parser, mismatches = RulesParser(), []
    for case in CASES:
        result = parser.parse(case["text"], language_hint="fr")
        zone = Zone.objects.get(pk=result.zone_id).name if result.zone_id else None
        got = {"category": result.category_slug, "zone": zone, "urgency": result.urgency, "language": result.language}
        expected = {key: case[key] for key in ("category", "zone", "urgency", "language")}
        if got != expected or result.description != case["text"].strip():
            mismatches.append(f"{case['text']!r}: expected {expected}, got {got}")
    assert mismatches == []


def test_the_language_hint_is_kept_when_the_text_has_no_markers(demo_data):
    result = RulesParser().parse("Bastos", language_hint="en")

    assert result.language == "en"
    assert result.language_detected is False


def test_money_is_not_urgency(demo_data):
    assert RulesParser().parse("combien d'argent pour un plombier a Akwa", language_hint="fr").urgency == "normal"


def test_pk8_is_never_read_as_another_pk(demo_data):
    assert RulesParser().parse("plombier a PK9", language_hint="fr").zone_id is None


def test_the_backend_setting_picks_the_parser(settings, db):  # db: the degradation level is read
    settings.AI_BACKEND = "rules"
    assert get_parser().name == "rules"
    settings.AI_BACKEND = "llm"
    assert get_parser().name == "llm"


def parse(text: str):
    result = RulesParser().parse(text, language_hint="fr")
    zone = Zone.objects.get(pk=result.zone_id).name if result.zone_id else None
    return result.category_slug, zone, result.urgency


def test_a_french_word_never_fuzzy_matches_an_english_keyword(demo_data):
    assert parse("Je veux faire nettoyer ma maison à Akwa")[0] is None  # "maison" is not "mason"


def test_the_air_conditioner_keeps_its_symptom_and_snow_is_cold_not_a_fridge(demo_data):
    assert parse("Ma clim ne refroidit plus, Akwa")[0] == "climatisation"
    assert parse("Mon frigo ne refroidit plus, Akwa")[0] == "electromenager"
    assert parse("❄️ en panne à Akwa")[0] == "climatisation"


def test_spelling_variants_of_one_word_count_once(demo_data):
    # "plombier" is also matched by "plombié": one word, one point, so the electrician named twice wins.
    assert parse("plombier ? non, electricien, la prise et le disjoncteur, Akwa")[0] == "electricite"


def test_the_place_of_the_job_wins_over_where_the_client_lives(demo_data):
    assert parse("J'habite Makepe mais c'est pour chez ma mère à Deido, son frigo est gâté")[1] == "Deido"
    assert parse("Non pas Bonapriso, c'est à Akwa")[1] == "Akwa"


def test_landmarks_are_places(demo_data):
    assert parse("électricien à côté du stade de la Réunification")[1] == "Bepanda"
    Zone.objects.filter(name="Kotto").update(landmarks="Boulangerie Saker")  # edited in the admin
    assert parse("plombier vers la boulangerie Saker")[1] == "Kotto"


def test_urgency_denied_is_normal_and_implied_emergencies_are_urgent(demo_data):
    assert parse("plombier à Akwa, pas urgent")[2] == "normal"
    assert parse("c urgt plombier akwa")[2] == "urgent"
    assert parse("electricien Akwa, ça sent le brûlé")[2] == "urgent"
    assert parse("need electrician for Akwa now now")[2] == "urgent"
