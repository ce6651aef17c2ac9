"""The rules parser against evaluation sets of realistic first messages (issue 8).

eval_first_messages.json (207 messages) was written from scratch before the parser was tuned:
French, Cameroonian French and Camfranglais, Pidgin, English, no accents, SMS spellings, emoji,
landmarks, several trades, the place of the job named beside where the client lives, negated
urgency. The parser was then fixed against it; a case is never edited to make it pass.
eval_holdout_messages.json (40 messages) was written after the tuning and never tuned on: it shows
how the rules do on messages they were not fitted to. Run with ``-s`` to see the scores and misses.
"""

import json
from pathlib import Path

from marketplace.intake.rules import RulesParser
from marketplace.models import Zone

HERE = Path(__file__).parent
CASES = json.loads((HERE / "eval_first_messages.json").read_text(encoding="utf-8"))
HOLDOUT = json.loads((HERE / "eval_holdout_messages.json").read_text(encoding="utf-8"))
TRADE_AND_QUARTER_TARGET = 0.97
URGENCY_TARGET = 0.95
HOLDOUT_FLOOR = 0.85  # far below the targets: a collapse here means the rules only fit the tuning set


def scores(name: str, cases: list[dict]) -> dict[str, float]:
    zones = dict(Zone.objects.values_list("pk", "name"))
    parser, hits, misses = RulesParser(), {"trade": 0, "quarter": 0, "both": 0, "urgency": 0, "all": 0}, []
    for case in cases:
        result = parser.parse(case["text"], language_hint="fr")
        got = {"trade": result.category_slug, "quarter": zones.get(result.zone_id), "urgency": result.urgency}
        right = {key: got[key] == case[key] for key in got}
        right["both"] = right["trade"] and right["quarter"]
        right["all"] = right["both"] and right["urgency"]
        for key, ok in right.items():
            hits[key] += ok
        if not right["all"]:
            wrong = {key: f"{case[key]}≠{got[key]}" for key in got if not right[key]}
            misses.append(f"  {case['text']!r}: {wrong}")
    result = {key: count / len(cases) for key, count in hits.items()}
    print(f"\n{name}, {len(cases)} messages: " + ", ".join(f"{k} {v:.1%}" for k, v in result.items()))
    print("\n".join(misses))
    return result


def test_the_evaluation_set_has_at_least_200_messages_in_every_style():
    assert len(CASES) >= 200
    assert len({case["group"] for case in CASES}) >= 8


def test_rules_parser_scores_on_the_evaluation_set(demo_data):
    result = scores("evaluation set", CASES)
    assert result["both"] >= TRADE_AND_QUARTER_TARGET
    assert result["urgency"] >= URGENCY_TARGET


def test_rules_parser_scores_on_the_holdout_set(demo_data):
    result = scores("holdout set (never tuned on)", HOLDOUT)
    assert result["both"] >= HOLDOUT_FLOOR
    assert result["urgency"] >= HOLDOUT_FLOOR
