"""Monitoring says what is actually happening: fallbacks, advice, waiting messages, quotas, status vs level."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from reliability.models import Alert, DegradationState
from reliability.monitoring.recommendations import recommend
from reliability.monitoring.rules import evaluate_alerts
from tests.reliability.monitoring_support import make_attempts, make_notification, open_breaker

pytestmark = pytest.mark.django_db
URL = "/admin/monitoring/"
CALM = {"codes": {}, "categories": {}, "ai_timeout_ratio": None, "dead_letters_last_hour": 0,
        "dead_letter_threshold": 10, "heartbeat_ok": True, "open_breakers": [], "recovered": []}


def _advice(**facts):
    with translation.override("en"):
        return {r["key"]: r["advice"] for r in recommend({**CALM, **facts})}


def test_63007_advice_says_sms_carries_only_while_it_does_and_clears_once_whatsapp_delivers_again():
    assert "SMS carries the traffic" in _advice(codes={"63007": 3}, open_breakers=["whatsapp"])["63007"]
    both_down = _advice(codes={"63007": 3}, open_breakers=["whatsapp", "sms"])["63007"]
    assert "SMS is down too" in both_down and "SMS carries" not in both_down
    assert "63007" not in _advice(codes={"63007": 3}, recovered=["whatsapp"])


def test_a_whatsapp_success_after_the_63007_failures_clears_the_advice_on_the_dashboard(staff_client):
    make_attempts(2, outcome="failed", code="63007", category="channel_config", ago=timedelta(minutes=20))
    keys = [r["key"] for r in staff_client.get(URL).context["recommendations"]]
    assert "63007" in keys
    make_attempts(1, outcome="delivered", ago=timedelta(minutes=2))  # fixed: WhatsApp delivers again
    keys = [r["key"] for r in staff_client.get(URL).context["recommendations"]]
    assert "63007" not in keys


def test_the_breaker_alert_names_the_fallback_only_while_it_works():
    open_breaker("whatsapp")
    with translation.override("en"):
        evaluate_alerts()
    assert "SMS carries the messages" in Alert.objects.get(dedup_key="breaker:whatsapp").detail
    open_breaker("sms")
    with translation.override("en"):
        evaluate_alerts()
    for key in ("breaker:whatsapp", "breaker:sms"):
        detail = Alert.objects.get(dedup_key=key).detail
        assert "no phone channel works" in detail and "carries" not in detail, key


def test_deferred_messages_show_as_waiting_with_their_age(staff_client):
    later = timezone.now() + timedelta(minutes=5)  # waiting for a breaker: not "due", still waiting
    for _ in range(19):
        make_notification(status="pending", next_attempt_at=later, created_at=timezone.now() - timedelta(minutes=7))
    with translation.override("en"):
        content = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    tile = content[content.index('id="oldest-waiting"'):][:400]
    assert "oldest of 19 waiting messages" in tile and "7\xa0minutes" in tile


def test_an_unlimited_channel_shows_its_sends_not_zero_of_infinity(staff_client, settings):
    settings.WHATSAPP_DAILY_LIMIT = None
    make_attempts(50, outcome="sent")
    content = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = content[content.index('id="quota-whatsapp"'):][:300]
    assert "50 sent, no daily limit set" in row and "∞" not in row


def test_healthy_status_beside_a_raised_degradation_level_is_explained(staff_client):
    make_attempts(12, outcome="delivered", channel="sms")  # SMS answers everyone
    DegradationState.objects.create(computed_level="severe", computed_reason="whatsapp breaker open")
    content = staff_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="delivery-status">Healthy<' in content
    explained = content[content.index('id="status-explained"'):][:400]
    assert "a fallback channel carries the messages" in explained and "whatsapp breaker open" in explained


def test_rates_in_alerts_are_formatted_for_the_language(settings):
    settings.MONITORING_MIN_SAMPLE = 5
    make_attempts(4, outcome="delivered")
    make_attempts(3, outcome="failed", code="30008")
    with translation.override("fr"):
        evaluate_alerts()
    assert "57,1 %" in Alert.objects.get(dedup_key="status:critical").detail
