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
