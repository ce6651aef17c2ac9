"""The conversation's four timers are django-q2 schedules that migrate creates, so a restart loses nothing."""

import pydoc

import pytest
from django.core.management import call_command
from django_q.models import Schedule

pytestmark = pytest.mark.django_db

TIMERS = {
    "djobea:offers-expire": "marketplace.tasks.expire_offers",
    "djobea:offers-remind": "marketplace.tasks.remind_offers",
    "djobea:requests-countdown": "marketplace.tasks.send_countdowns",
    "djobea:requests-escalate": "marketplace.tasks.escalate_overdue",
}


def test_migrate_creates_the_four_timers_as_repeating_minute_schedules():
    Schedule.objects.filter(name__in=TIMERS).delete()

    call_command("migrate", verbosity=0)

    rows = {s.name: s for s in Schedule.objects.filter(name__in=TIMERS)}
    assert {name: row.func for name, row in rows.items()} == TIMERS
    assert {(row.schedule_type, row.minutes, row.repeats) for row in rows.values()} == {(Schedule.MINUTES, 1, -1)}


def test_each_timer_runs_as_the_cluster_would_and_finds_nothing_due_on_an_empty_database():
    for row in Schedule.objects.filter(name__in=TIMERS):
        assert pydoc.locate(row.func)() == 0, row.name
