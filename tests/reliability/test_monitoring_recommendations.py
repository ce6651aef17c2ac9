"""The recommendations table: which advice for which pattern, ranked by impact."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from messaging.models import InboundMessage
from reliability.models import ErrorEvent
from reliability.monitoring.overview import ai_timeout_ratio
from reliability.monitoring.recommendations import recommend

CALM = {"codes": {}, "categories": {}, "ai_timeout_ratio": None, "dead_letters_last_hour": 0,
        "dead_letter_threshold": 10, "heartbeat_ok": True, "open_breakers": []}


def keys(**facts):
    return [r["key"] for r in recommend({**CALM, **facts})]


def test_nothing_to_say_when_all_is_well():
    assert keys() == []


@pytest.mark.parametrize(("facts", "expected"), [
    ({"codes": {"63007": 4}}, ["63007"]),
    ({"codes": {"63038": 9}}, ["63038"]),
    ({"codes": {"20003": 1}}, ["20003"]),
    ({"codes": {"timeout": 2, "http_503": 3}}, ["transient"]),
    ({"ai_timeout_ratio": 0.25}, ["ai_timeouts"]),
    ({"ai_timeout_ratio": 0.2}, []),
    ({"dead_letters_last_hour": 12}, ["dead_letters"]),
    ({"heartbeat_ok": False}, ["heartbeat"]),
    ({"open_breakers": ["whatsapp"]}, []),  # SMS carries the traffic: the breaker and its alert say enough
    ({"open_breakers": ["sms", "whatsapp"], "codes": {"63007": 2}}, ["phone_channels_down", "63007"]),
])
def test_each_pattern_has_its_advice(facts, expected):
    assert keys(**facts) == expected


def test_ranked_by_impact_then_by_count():
    ranked = keys(codes={"63038": 500, "timeout": 40, "63007": 1, "20003": 3}, heartbeat_ok=False)
    assert ranked == ["heartbeat", "20003", "63007", "63038", "transient"]


def test_advice_is_concrete_in_english_and_french():
    with translation.override("en"):
        (advice,) = recommend({**CALM, "codes": {"63007": 1}})
    assert "TWILIO_WHATSAPP_FROM" in advice["advice"] and "approved" in advice["advice"]
    with translation.override("fr"):
        (conseil,) = recommend({**CALM, "codes": {"63007": 1}})
    assert "TWILIO_WHATSAPP_FROM" in conseil["advice"] and "Vérifiez" in conseil["advice"]


@pytest.mark.django_db
def test_ai_timeout_ratio_counts_timeouts_per_inbound_message(settings):
    settings.AI_BACKEND = "llm"
    for n in range(8):
        InboundMessage.objects.create(provider_sid=f"SM{n}", sender="+237690000001", raw_payload={})
    for n, reason in enumerate(["timeout", "timeout", "bad_json"]):
        ErrorEvent.objects.create(support_code=f"DJB-AIT{n}", category="ai", message="x", context={"reason": reason})
    assert ai_timeout_ratio(since=timezone.now() - timedelta(hours=1)) == 2 / 8
    settings.AI_BACKEND = "rules"
    assert ai_timeout_ratio(since=timezone.now() - timedelta(hours=1)) is None
