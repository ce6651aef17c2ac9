"""The llm parser against a real HTTP server (tests/fakes/ai_server.py): good, slow, dripping, 500,
garbage, open breaker. Whatever the server does, an answer comes back within the cap plus a margin,
from the rules parser when the AI fails."""

import time

import pytest
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from marketplace.conversation import handle_inbound, prepare_inbound
from marketplace.intake.base import get_parser
from marketplace.models import City, Zone
from messaging.models import InboundMessage, Notification
from reliability.breakers import breaker, breaker_force_open
from reliability.models import CircuitBreaker, ErrorEvent
from tests.factories import make_category, make_zone
from tests.fakes.ai_server import DRIP, ERROR, GARBAGE, SLOW

pytestmark = pytest.mark.django_db

MARGIN_SECONDS = 1.0  # thread hand-over and the rules fallback; the cap itself is 1 s in these tests
TEXT = "J'ai une fuite d'eau à Bonamoussadi"


@pytest.fixture
def demo_data(db):
    """A small vocabulary for the rules fallback (the full seed_demo table is test_intake_rules' job)."""
    make_category(slug="plomberie", name_fr="Plomberie", name_en="Plumbing", keywords="fuite, fuite d'eau, plombier")
    make_category(slug="electricite", name_fr="Électricité", name_en="Electrical work", keywords="courant, light")
    make_zone(name="Bonamoussadi", aliases="Bonamousadi")
    make_zone(name="Bastos", city=City.YAOUNDE)


def fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("djobea_ai_fallbacks_total", {"reason": reason}) or 0.0


def timed_parse(text: str = TEXT):
    started = time.monotonic()
    result = get_parser().parse(text, language_hint="fr")
    return result, time.monotonic() - started


def test_a_good_answer_is_used(demo_data, fake_ai):
    fake_ai.answer = {"category": "electricite", "zone": "Bastos", "urgency": "urgent", "language": "en",
                      "description": "no light"}

    result, _ = timed_parse("lights are dead at my place in Bastos")

    assert (result.source, result.category_slug, result.urgency, result.language) == ("llm", "electricite",
                                                                                        "urgent", "en")
    assert result.zone_id == Zone.objects.get(name="Bastos").pk
    sent = fake_ai.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer test-ai-key"
    assert sent["json"]["messages"][-1]["content"] == "lights are dead at my place in Bastos"
    assert "plomberie" in sent["json"]["messages"][0]["content"]  # the trades on offer are in the prompt


def test_an_unknown_category_from_the_ai_falls_back_to_the_rules_reading(demo_data, fake_ai):
    fake_ai.answer = {"category": "astrology", "zone": None, "urgency": "normal", "language": "fr"}

    result, _ = timed_parse()

    assert (result.category_slug, result.zone_id) == ("plomberie", Zone.objects.get(name="Bonamoussadi").pk)


@pytest.mark.parametrize(("mode", "delay", "reason"), [(SLOW, 5.0, "timeout"), (DRIP, 0.05, "timeout")])
def test_a_slow_or_dripping_server_falls_back_to_rules_within_the_cap(demo_data, fake_ai, settings, mode, delay,
                                                                         reason):
    fake_ai.mode, fake_ai.delay = mode, delay
    before = fallbacks(reason)

    result, elapsed = timed_parse()

    assert elapsed < settings.AI_TIMEOUT_SECONDS + MARGIN_SECONDS
    assert (result.source, result.category_slug) == ("rules", "plomberie")
    assert fallbacks(reason) == before + 1
    assert ErrorEvent.objects.filter(category="ai", context__reason=reason).count() == 1


@pytest.mark.parametrize(("mode", "reason"), [(ERROR, "http_error"), (GARBAGE, "bad_json")])
def test_a_server_error_or_garbage_falls_back_to_rules(demo_data, fake_ai, mode, reason):
    fake_ai.mode = mode
    before = fallbacks(reason)

    result, _ = timed_parse()

    assert (result.source, result.category_slug) == ("rules", "plomberie")
    assert fallbacks(reason) == before + 1
    event = ErrorEvent.objects.get(category="ai")
    assert event.context["reason"] == reason and event.support_code.startswith("DJB-")


def test_server_errors_are_counted_by_the_ai_breaker(demo_data, fake_ai):
    fake_ai.mode = ERROR

    timed_parse()

    assert CircuitBreaker.objects.get(name="ai").window == ["f"]


def test_an_open_breaker_skips_the_call_and_uses_rules(demo_data, fake_ai):
    breaker_force_open("ai", user=None)
    before = fallbacks("breaker_open")

    result, _ = timed_parse()

    assert breaker("ai").is_open()
    assert fake_ai.requests == []
    assert (result.source, result.category_slug) == ("rules", "plomberie")
    assert fallbacks("breaker_open") == before + 1


def test_no_ai_url_configured_falls_back_to_rules(demo_data, settings):
    settings.AI_BACKEND, settings.AI_BASE_URL = "llm", ""

    result, _ = timed_parse()

    assert (result.source, result.category_slug) == ("rules", "plomberie")


def test_prepare_inbound_parses_outside_the_transaction_and_the_handler_reuses_it(demo_data, fake_ai):
    fake_ai.answer = {"category": "electricite", "zone": "Bastos", "urgency": "normal", "language": "fr"}
    message = InboundMessage.objects.create(
        provider_sid="SM" + "p" * 32, sender="+237696000009", body="un souci chez moi a Bastos", raw_payload={}
    )

    prepare_inbound(message)  # the messaging app calls this before its transaction.atomic()
    with transaction.atomic():
        handle_inbound(message)

    assert len(fake_ai.requests) == 1
    summary = Notification.objects.get(idempotency_key=f"inbound:{message.provider_sid}:reply:1")
    assert "Électricité" in summary.body and "Bastos" in summary.body


def test_from_minor_degradation_the_rules_parser_carries_intake_and_the_ai_is_not_called(demo_data, fake_ai):
    from reliability.degradation import degradation_set

    degradation_set(level="minor", reason="AI provider incident", user=None)

    result, _ = timed_parse()

    assert (result.source, result.category_slug) == ("rules", "plomberie")
    assert fake_ai.requests == []


def test_an_open_ai_breaker_alone_does_not_stop_the_probe_that_closes_it(demo_data, fake_ai, settings):
    from reliability.degradation import current_level, degradation_refresh, open_breakers

    settings.BREAKER_CACHE_SECONDS = 0
    breaker("ai").trip("AI provider down")
    degradation_refresh(open_breaker_names=open_breakers())
    assert current_level() == "minor"
    assert get_parser().name == "llm"  # its breaker, not the level, keeps the AI from being called

    CircuitBreaker.objects.filter(name="ai").update(opened_at=timezone.now() - timezone.timedelta(hours=1))
    fake_ai.answer = {"category": "plomberie", "zone": "Bonamoussadi", "urgency": "normal", "language": "fr"}
    result, _ = timed_parse()

    assert result.source == "llm" and len(fake_ai.requests) == 1  # the half-open probe went through


def test_a_minor_level_from_another_breaker_still_turns_ai_intake_off(demo_data, fake_ai):
    from reliability.degradation import degradation_refresh

    degradation_refresh(open_breaker_names=["sms"])

    assert get_parser().name == "rules"


def test_the_ai_reads_the_conversation_so_far_and_its_answer_obeys_our_negation_rules(demo_data, fake_ai):
    fake_ai.answer = {"category": "plomberie", "zone": "Bonamoussadi", "urgency": "urgent", "language": "fr"}

    result = get_parser().parse("pas plombier, c'est le courant, et ce n'est pas urgent", language_hint="fr",
                                history=["J'ai un souci à Bonamoussadi"])

    messages = fake_ai.requests[0]["json"]["messages"]
    assert [m["content"] for m in messages[1:]] == [
        "J'ai un souci à Bonamoussadi", "pas plombier, c'est le courant, et ce n'est pas urgent"
    ]
    assert (result.source, result.category_slug, result.urgency) == ("llm", "electricite", "normal")
