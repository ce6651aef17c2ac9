"""The system check for impossible breaker settings (djobea.checks.breaker_rules).

resilience4j's CircuitBreakerConfig refuses these values when the breaker is built; here they live in
``settings.BREAKERS``, so ``manage.py check`` (run at every start) reports them. The cases mirror
CircuitBreakerConfigTest (resilience4j-circuitbreaker/src/test/java/io/github/resilience4j/
circuitbreaker/CircuitBreakerConfigTest.java).
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.checks import Error, Warning
from django.core.checks.registry import registry

from djobea.checks import breaker_errors, breaker_rules

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_breakers_pass_the_check():
    assert breaker_errors(django_settings.BREAKERS) == []


# (override, expected id, the CircuitBreakerConfigTest case it mirrors or what it guards)
CASES = [
    ({"failure_rate": 0}, "djobea.E012", "zeroFailureRateThresholdShouldFail"),
    ({"failure_rate": 101}, "djobea.E012", "failureRateThresholdAboveHundredShouldFail"),
    ({"slow_call_rate": 0}, "djobea.E012", "zeroSlowCallRateThresholdShouldFail"),
    ({"slow_call_rate": 101}, "djobea.E012", "slowCallRateThresholdAboveHundredShouldFail"),
    ({"failure_rate": -5}, "djobea.E012", "negativeFailureRateThreshold"),
    ({"open_seconds": 0}, "djobea.E013", "zeroWaitIntervalShouldFail"),
    ({"open_seconds": -1}, "djobea.E013", "negativeWaitInterval"),
    ({"slow_call_seconds": 0}, "djobea.E013", "zeroSlowCallDurationThresholdShouldFail"),
    ({"permit_ttl_seconds": 0}, "djobea.E013", "maxWaitDurationInHalfOpenStateLessThanSecondShouldFail"),
    ({"half_open_permits": 0}, "djobea.E014", "zeroPermittedNumberOfCallsInHalfOpenStateShouldFail"),
    ({"window_size": 0, "minimum_calls": 0}, "djobea.E014", "zeroSlidingWindowSizeShouldFail"),
    ({"minimum_calls": 0}, "djobea.E014", "zeroMinimumNumberOfCallsShouldFai2l"),
    ({"half_open_permits": 2.5}, "djobea.E014", "fractionalPermits"),
    ({"failure_rate_threshold": 50}, "djobea.E010", "typoInAKeyWouldBeIgnored"),
    ({"open_seconds": "60"}, "djobea.E011", "stringInsteadOfANumber"),
    ({"minimum_calls": 30, "window_size": 20}, "djobea.W010", "shouldReduceMinimumNumberOfCallsToSlidingWindowSize"),
]


@pytest.mark.parametrize(("override", "error_id"), [case[:2] for case in CASES], ids=[case[2] for case in CASES])
def test_each_impossible_setting_is_reported_with_its_id(override, error_id):
    messages = breaker_errors({"whatsapp": {**django_settings.BREAKERS["whatsapp"], **override}})
    assert sorted({m.id for m in messages}) == [error_id]
    assert all("'whatsapp'" in m.msg for m in messages)


def test_a_minimum_above_the_window_is_a_warning_and_broken_values_are_errors():
    messages = breaker_errors({"sms": {"minimum_calls": 30, "window_size": 20, "open_seconds": 0}})
    by_id = {m.id: m for m in messages}
    assert isinstance(by_id["djobea.W010"], Warning) and "uses 20" in by_id["djobea.W010"].msg
    assert isinstance(by_id["djobea.E013"], Error)


def test_the_check_is_registered_and_reads_the_live_settings(settings):
    assert breaker_rules in registry.get_checks()
    settings.BREAKERS = {**django_settings.BREAKERS, "ai": {"half_open_permits": 0}}
    assert [m.id for m in breaker_rules()] == ["djobea.E014"]


def test_manage_py_check_refuses_to_start_with_an_impossible_breaker(tmp_path):
    """The real command, with a settings module that breaks one breaker: an error stops it."""
    (tmp_path / "broken_breaker_settings.py").write_text(
        "from djobea.settings import *  # noqa: F403\n"
        "BREAKERS = {**BREAKERS, 'sms': {**BREAKERS['sms'], 'failure_rate': 150}}\n"  # noqa: F405
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tmp_path}:{ROOT}",
             "DJANGO_SETTINGS_MODULE": "broken_breaker_settings"},
    )
    assert result.returncode != 0
    assert "djobea.E012" in result.stderr and "'sms'" in result.stderr
