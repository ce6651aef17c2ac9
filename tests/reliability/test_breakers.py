"""Circuit breakers: resilience4j semantics, shared by every process through the database.

Callers record only service failures (5xx, timeouts, connection errors) as ``success=False``; a
recipient's 4xx reaches the service fine and is recorded as ``success=True``.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reliability.breakers import BreakerOpen, breaker, breaker_disable, breaker_force_open, breaker_reset
from reliability.models import BreakerForce, BreakerState, CircuitBreaker

ROOT = Path(__file__).resolve().parents[2]
NAME = "svc"
CONFIG = {
    "window_size": 10, "minimum_calls": 4, "failure_rate": 50, "slow_call_rate": 50, "slow_call_seconds": 5,
    "open_seconds": 60, "half_open_permits": 2, "permit_ttl_seconds": 30,
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def breaker_settings(settings):
    settings.BREAKERS = {**django_settings.BREAKERS, NAME: CONFIG}
    settings.BREAKER_CACHE_SECONDS = 0
    return settings


def call(b, *, success=True, duration=0.1):
    permit = b.acquire()
    b.record(permit, success=success, duration=duration)


def row(name=NAME) -> CircuitBreaker:
    return CircuitBreaker.objects.get(name=name)


def open_breaker(b):
    for _ in range(CONFIG["minimum_calls"]):
        call(b, success=False)
    assert row().state == BreakerState.OPEN


def let_wait_pass(name=NAME):
    CircuitBreaker.objects.filter(name=name).update(opened_at=timezone.now() - timedelta(seconds=61))


def test_opens_when_the_failure_rate_reaches_the_threshold_over_the_minimum_calls():
    b = breaker(NAME)
    call(b, success=True)
    call(b, success=False)
    call(b, success=False)
    assert row().state == BreakerState.CLOSED  # 3 calls < minimum_calls, although 67 % failed
    call(b, success=True)  # 2 of 4 failed: 50 %
    opened = row()
    assert opened.state == BreakerState.OPEN
    assert opened.open_count == 1 and opened.opened_at is not None
    assert "failure rate 50%" in opened.last_failure


def test_stays_closed_below_the_threshold_and_the_window_slides():
    b = breaker(NAME)
    for _ in range(10):
        call(b, success=True)
    for _ in range(4):
        call(b, success=False)
    current = row()
    assert current.state == BreakerState.CLOSED
    assert len(current.window) == CONFIG["window_size"]  # the oldest outcomes left the window


def test_4xx_results_recorded_as_success_never_open_it():
    b = breaker(NAME)
    for _ in range(20):
        call(b, success=True)  # e.g. 21211 invalid number: the recipient's problem, not the service's
    assert row().state == BreakerState.CLOSED


def test_slow_calls_open_it_at_the_slow_call_rate():
    b = breaker(NAME)
    for _ in range(2):
        call(b, success=True, duration=0.1)
    for _ in range(2):
        call(b, success=True, duration=6)
    assert row().state == BreakerState.OPEN
    assert "slow calls 50%" in row().last_failure


def test_open_breaker_blocks_calls_until_the_wait_is_over():
    b = breaker(NAME)
    open_breaker(b)
    with pytest.raises(BreakerOpen) as refused:
        b.acquire()
    assert refused.value.retry_at == row().opened_at + timedelta(seconds=60)
    assert refused.value.state == BreakerState.OPEN
    assert b.is_open()


def test_half_opens_after_the_wait_with_limited_probe_permits():
    b = breaker(NAME)
    open_breaker(b)
    let_wait_pass()
    assert not b.is_open()  # the next acquire may probe
    first, second = b.acquire(), b.acquire()
    assert row().state == BreakerState.HALF_OPEN
    assert first.token and second.token and first.token != second.token
    with pytest.raises(BreakerOpen) as refused:
        b.acquire()  # only two probes at a time
    assert refused.value.state == BreakerState.HALF_OPEN


def test_closes_after_successful_probes():
    b = breaker(NAME)
    open_breaker(b)
    let_wait_pass()
    probes = [b.acquire(), b.acquire()]
    b.record(probes[0], success=True, duration=0.1)
    assert row().state == BreakerState.HALF_OPEN
    b.record(probes[1], success=True, duration=0.1)
    closed = row()
    assert closed.state == BreakerState.CLOSED and closed.window == [] and closed.opened_at is None
    call(b, success=True)  # calls flow again


def test_a_failed_probe_opens_it_again():
    b = breaker(NAME)
    open_breaker(b)
    let_wait_pass()
    probe, other = b.acquire(), b.acquire()
    generation = row().generation
    b.record(probe, success=False, duration=0.1)
    assert row().state == BreakerState.HALF_OPEN  # resilience4j decides once every probe has reported
    b.record(other, success=True, duration=0.1)  # 1 of 2 probes failed: 50 %
    reopened = row()
    assert reopened.state == BreakerState.OPEN
    assert reopened.generation == generation + 1
    assert reopened.open_count == 2
    with pytest.raises(BreakerOpen):
        b.acquire()


def test_an_expired_probe_permit_is_freed_and_its_late_result_ignored():
    b = breaker(NAME)
    open_breaker(b)
    let_wait_pass()
    stale, other = b.acquire(), b.acquire()
    current = row()
    current.half_open_permits = [
        {**p, "exp": p["exp"] - 31} if p["id"] == stale.token else p for p in current.half_open_permits
    ]
    current.save(update_fields=["half_open_permits"])
    fresh = b.acquire()  # the expired permit was freed
    b.record(stale, success=False, duration=0.1)  # its owner reports too late: ignored
    assert row().state == BreakerState.HALF_OPEN
    b.record(other, success=True, duration=0.1)
    b.record(fresh, success=True, duration=0.1)
    assert row().state == BreakerState.CLOSED


def test_a_late_result_from_an_older_generation_is_ignored():
    b = breaker(NAME)
    slow_call = b.acquire()  # started while closed...
    b.trip("63007 channel not found")  # ...meanwhile the breaker opened
    generation = row().generation
    b.record(slow_call, success=False, duration=0.1)
    after = row()
    assert after.generation == generation and after.window == [] and after.open_count == 1
    breaker_reset(NAME, user=None)
    b.record(slow_call, success=False, duration=0.1)  # still older than the reset
    assert row().window == []


def test_trip_opens_at_once_and_a_second_trip_restarts_the_wait():
    b = breaker(NAME)
    b.trip("63007 WhatsApp sender not found")
    tripped = row()
    assert tripped.state == BreakerState.OPEN and tripped.last_failure == "63007 WhatsApp sender not found"
    CircuitBreaker.objects.filter(name=NAME).update(opened_at=timezone.now() - timedelta(seconds=50))
    b.trip("20003 authentication failed")
    again = row()
    assert again.opened_at > tripped.opened_at and again.open_count == 1
    assert again.last_failure == "20003 authentication failed"


def test_forced_open_refuses_every_call_until_reset(staff_user):
    b = breaker(NAME)
    breaker_force_open(NAME, user=staff_user)
    assert b.is_open() and b.state() == BreakerForce.FORCED_OPEN
    with pytest.raises(BreakerOpen) as refused:
        b.acquire()
    assert refused.value.retry_at is None
    let_wait_pass()
    with pytest.raises(BreakerOpen):
        b.acquire()  # no wait ends a forced state
    breaker_reset(NAME, user=staff_user)
    assert not b.is_open() and b.state() == BreakerState.CLOSED
    call(b)


def test_disabled_lets_every_call_through_and_records_nothing(staff_user):
    b = breaker(NAME)
    open_breaker(b)
    breaker_disable(NAME, user=staff_user)
    assert not b.is_open()
    for _ in range(10):
        call(b, success=False)
    disabled = row()
    assert disabled.forced == BreakerForce.DISABLED and disabled.window == []
    breaker_reset(NAME, user=staff_user)
    assert row().forced == "" and row().state == BreakerState.CLOSED


def test_the_process_cache_serves_the_state_but_own_changes_are_seen_at_once(settings):
    settings.BREAKER_CACHE_SECONDS = 60
    b = breaker(NAME)
    assert not b.is_open()
    CircuitBreaker.objects.update_or_create(
        name=NAME, defaults={"state": BreakerState.OPEN, "opened_at": timezone.now()}
    )  # another process opened it: this one trusts its cache for a moment
    assert not b.is_open()
    breaker_force_open(NAME, user=None)  # a change made by this process drops the cache
    assert b.is_open()


# --- admin ---------------------------------------------------------------------------------------


def test_admin_lists_every_configured_breaker_with_its_state(staff_client):
    breaker("sms").trip("63007")
    response = staff_client.get(reverse("admin:reliability_circuitbreaker_changelist"))
    assert response.status_code == 200
    assert set(CircuitBreaker.objects.values_list("name", flat=True)) >= {"whatsapp", "sms", "email", "ai"}
    assert "Open (calls blocked)" in response.content.decode() or "Ouvert" in response.content.decode()
    detail = staff_client.get(reverse("admin:reliability_circuitbreaker_change", args=[row("sms").pk]))
    assert detail.status_code == 200 and "63007" in detail.content.decode()


@pytest.mark.parametrize(
    ("action", "permission", "expected"),
    [
        ("force_open_breakers", "force_circuitbreaker", BreakerForce.FORCED_OPEN),
        ("disable_breakers", "disable_circuitbreaker", BreakerForce.DISABLED),
        ("reset_breakers", "reset_circuitbreaker", BreakerState.CLOSED),
    ],
)
def test_admin_breaker_actions_need_their_own_permission(client, django_user_model, action, permission, expected):
    user = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    others = {"reset_circuitbreaker", "force_circuitbreaker", "disable_circuitbreaker"} - {permission}
    # The view permission and the two OTHER breaker permissions do not allow this action.
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_circuitbreaker", *others]))
    client.force_login(user)
    breaker("whatsapp").trip("63007")
    target = row("whatsapp")
    url = reverse("admin:reliability_circuitbreaker_changelist")
    client.post(url, {"action": action, "_selected_action": [target.pk]})
    refused = row("whatsapp")  # the action is not offered without the permission
    assert (refused.state, refused.forced, refused.generation) == (BreakerState.OPEN, "", target.generation)
    user.user_permissions.add(Permission.objects.get(codename=permission))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    response = client.post(url, {"action": action, "_selected_action": [target.pk]}, follow=True)
    assert response.status_code == 200
    assert breaker("whatsapp").state() == expected


def test_admin_reset_action_closes_the_breaker(staff_client):
    breaker("whatsapp").trip("63007")
    target = row("whatsapp")
    response = staff_client.post(
        reverse("admin:reliability_circuitbreaker_changelist"),
        {"action": "reset_breakers", "_selected_action": [target.pk]}, follow=True,
    )
    assert response.status_code == 200
    assert row("whatsapp").state == BreakerState.CLOSED


# --- shared across processes ---------------------------------------------------------------------

CHILD = """
import django, sys
django.setup()
from reliability.breakers import BreakerOpen, breaker
b = breaker(sys.argv[1])
mode = sys.argv[2]
if mode == "fail-until-open":
    for attempt in range(1, 101):
        try:
            permit = b.acquire()
        except BreakerOpen:
            print(f"open-after={attempt - 1}")
            break
        b.record(permit, success=False, duration=0.05)
    else:
        print("never-opened")
elif mode == "probe":
    granted = 0
    for _ in range(int(sys.argv[3])):
        try:
            b.acquire()
            granted += 1
        except BreakerOpen:
            pass
    print(f"granted={granted}")
elif mode == "peek":
    print(f"is_open={b.is_open()}")
"""


def run_child(*args: str, timeout: float = 60) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "djobea.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **{**connection.settings_dict, "HOST": connection.settings_dict["HOST"] or "127.0.0.1",
               "PORT": connection.settings_dict["PORT"] or 5432}
        ),
        "BREAKER_CACHE_SECONDS": "0",
        "LOG_LEVEL": "CRITICAL",
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def child_output(process: subprocess.Popen, timeout: float = 60) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out.strip()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_breaker_opened_by_another_process_is_open_here():
    minimum = django_settings.BREAKERS["whatsapp"]["minimum_calls"]
    assert child_output(run_child("whatsapp", "fail-until-open")) == f"open-after={minimum}"
    b = breaker("whatsapp")
    assert b.is_open()
    with pytest.raises(BreakerOpen):
        b.acquire()
    breaker_reset("whatsapp", user=None)  # and this process's reset is seen there
    assert child_output(run_child("whatsapp", "peek")) == "is_open=False"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_processes_share_the_half_open_permits_and_the_failure_window():
    permits = django_settings.BREAKERS.get("sms", {}).get("half_open_permits", 3)
    children = [run_child("sms", "fail-until-open") for _ in range(3)]
    outputs = [child_output(process) for process in children]
    assert all(out.startswith("open-after=") for out in outputs)
    counted = sum(int(out.split("=")[1]) for out in outputs)
    minimum = django_settings.BREAKERS["sms"]["minimum_calls"]
    # Failures from all three went into one window; results reported after it opened were ignored.
    assert minimum <= counted <= minimum + 2 * 3
    assert row("sms").state == BreakerState.OPEN and row("sms").open_count == 1
    let_wait_pass("sms")
    probers = [run_child("sms", "probe", "5") for _ in range(3)]
    granted = sum(int(child_output(process).split("=")[1]) for process in probers)
    assert granted == permits
