"""Degradation level: computed from breakers and health, manual override with expiry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reliability import degradation
from reliability.models import DegradationState

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("facts", "level"), [
    ({"open_breaker_names": []}, "normal"),
    ({"open_breaker_names": ["ai"]}, "minor"),
    ({"open_breaker_names": ["whatsapp"]}, "moderate"),
    ({"open_breaker_names": [], "status": "degraded"}, "moderate"),
    ({"open_breaker_names": [], "status": "critical"}, "severe"),
    ({"open_breaker_names": ["whatsapp", "sms"]}, "critical"),
    ({"open_breaker_names": [], "heartbeat_ok": False}, "critical"),
])
def test_computed_level(facts, level):
    assert degradation.compute_level(**facts)[0] == level


def test_refresh_stores_the_computed_level():
    assert degradation.current_level() == "normal"
    degradation.degradation_refresh(open_breaker_names=["whatsapp"])
    assert degradation.current_level() == "moderate"
    assert degradation.whatsapp_enabled() is True  # moderate keeps WhatsApp, turns AI intake off
    assert degradation.ai_intake_enabled() is False


def test_override_wins_until_it_expires(staff_user):
    degradation.degradation_refresh(open_breaker_names=[])
    degradation.degradation_set(level="critical", reason="Twilio outage", user=staff_user, minutes=30)
    assert degradation.current_level() == "critical" and degradation.holding_replies_only()
    state = degradation.current_state()
    assert state["is_override"] and state["override_by"] == str(staff_user)
    DegradationState.objects.update(override_expires_at=timezone.now() - timedelta(seconds=1))
    assert degradation.current_level() == "normal"
    assert degradation.current_state()["is_override"] is False


def test_override_needs_a_reason_and_a_known_level(staff_user):
    with pytest.raises(ValueError):
        degradation.degradation_set(level="severe", reason=" ", user=staff_user)
    with pytest.raises(ValueError):
        degradation.degradation_set(level="apocalyptic", reason="x", user=staff_user)


def test_clear_returns_to_the_computed_level(staff_user):
    degradation.degradation_refresh(open_breaker_names=["ai"])
    degradation.degradation_set(level="severe", reason="drill", user=staff_user, minutes=None)
    assert degradation.current_level() == "severe"
    degradation.degradation_clear(user=staff_user)
    assert degradation.current_level() == "minor"
