"""The Twilio configuration check: through the real twilio client against the fake Twilio's lookups."""

import pytest
from django.core.cache import cache
from django.utils import translation

from messaging.twilio_config import twilio_config_status
from reliability.health import heartbeat_beat
from reliability.models import Alert
from reliability.monitoring.rules import evaluate_alerts
from tests.reliability.monitoring_support import open_breaker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _health(client) -> tuple[int, dict]:
    heartbeat_beat()  # the task cluster runs: only the Twilio check is under test
    response = client.get("/health/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, {key.split("(")[0]: value for key, value in response.json().items()}


def test_a_right_configuration_is_verified_at_twilio(fake_twilio, client):
    status = twilio_config_status()
    assert status["state"] == "ok" and status["problems"] == []
    paths = [r["path"] for r in fake_twilio.requests if r["method"] == "GET"]
    assert any(path.endswith(f"/Accounts/{fake_twilio.account_sid}.json") for path in paths)
    assert sum("IncomingPhoneNumbers.json" in path for path in paths) == 2
    assert _health(client)[1]["TwilioConfiguration"] == "OK"


def test_a_whatsapp_sender_of_another_account_is_a_warning_on_health_dashboard_and_alert(
    fake_twilio, settings, client, staff_client
):
    settings.TWILIO_WHATSAPP_FROM = "whatsapp:+237650000000"  # the seed systems' 63007
    status, checks = _health(client)
    assert status == 200  # a warning, not an outage
    assert "TWILIO_WHATSAPP_FROM (+237650000000) is not a number of this Twilio account" in checks[
        "TwilioConfiguration"]
    assert "+237650000000" in staff_client.get("/admin/monitoring/").content.decode()
    evaluate_alerts()
    assert "TWILIO_WHATSAPP_FROM" in Alert.objects.get(dedup_key="twilio-config", status="open").detail


def test_wrong_credentials_and_a_suspended_account_are_named(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "rotated-token"
    assert "20003" in twilio_config_status(refresh=True)["problems"][0]
    settings.TWILIO_AUTH_TOKEN = fake_twilio.auth_token
    fake_twilio.account_status = "suspended"
    assert "suspended" in twilio_config_status(refresh=True)["problems"][0]


def test_the_answer_is_cached_for_a_few_minutes(fake_twilio):
    twilio_config_status()
    asked = len(fake_twilio.requests)
    for _ in range(5):
        twilio_config_status()
    assert len(fake_twilio.requests) == asked


def test_no_lookup_while_the_breakers_block_twilio_or_on_the_console_backend(fake_twilio, settings):
    open_breaker("whatsapp")
    open_breaker("sms")
    assert twilio_config_status()["state"] == "skipped" and fake_twilio.requests == []
    settings.MESSAGING_BACKEND = "console"
    assert twilio_config_status(refresh=True)["state"] == "skipped" and fake_twilio.requests == []


def test_twilio_unreachable_is_not_a_problem_of_configuration(fake_twilio, settings):
    fake_twilio.stop()
    status = twilio_config_status()
    assert status["state"] == "skipped" and status["problems"] == []


def test_a_slow_twilio_is_not_checked_and_health_still_answers_quickly(fake_twilio, client):
    import time

    fake_twilio.config_delay = 5  # beyond the lookups' own timeout
    start = time.monotonic()
    status, checks = _health(client)
    assert time.monotonic() - start < 6
    assert status == 200 and checks["TwilioConfiguration"] == "OK"
    assert twilio_config_status()["state"] == "skipped"  # cached: "could not be reached", not a problem


def test_the_cached_answer_reads_in_each_readers_language(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "rotated-token"
    with translation.override("fr"):  # the task cluster fills the cache
        assert twilio_config_status(refresh=True)["problems"] == [
            "Twilio refuse TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (20003)."]
    with translation.override("en"):  # an English staff member's dashboard reads it
        assert twilio_config_status()["problems"] == ["Twilio rejects TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (20003)."]
