"""Reliability reports checked against a known hour of traffic; idempotent writes; the daily email; API; admin."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from marketplace.models import OfferStatus, RequestStatus
from messaging.models import DeliveryAttempt, InboundMessage
from reliability.models import CircuitBreaker, ReliabilityReport
from reliability.monitoring.reports import daily_summary_send, report_write
from tests.factories import make_provider, make_request
from tests.reliability.monitoring_support import make_dead_letter, make_notification

pytestmark = pytest.mark.django_db


def _yesterday_at(hour: int):
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=1) + timedelta(hours=hour)


def _attempt(notification, at, channel, outcome, code=""):
    DeliveryAttempt.objects.create(notification=notification, channel=channel, outcome=outcome, error_code=code,
                                   started_at=at, category="recipient" if code else "")


def _message(at, *, phone, delivered=True):
    notification = make_notification(recipient_phone=phone, created_at=at, sent_at=at,
                                      status="delivered" if delivered else "dead")
    _attempt(notification, at, "whatsapp", "sent" if delivered else "failed", "" if delivered else "63007")
    if delivered:
        _attempt(notification, at + timedelta(seconds=30), "whatsapp", "delivered")
    else:
        _attempt(notification, at + timedelta(seconds=1), "sms", "failed", "21211")
    return notification


@pytest.fixture
def known_hour(settings):
    """10:00–11:00 yesterday: 4 messages delivered, 1 dead on every channel; 3 clients answered in 4, 10, 60 s;
    the whatsapp breaker opened once; 1 dead letter created and 1 redriven; 2 requests (1 completed), 2 offers
    (1 accepted). Traffic at 12:30 must not count."""
    settings.MESSAGING_BACKEND = "twilio"  # WhatsApp has receipts: "sent" alone is not an outcome
    hour = _yesterday_at(10)
    for n, (delay, minute) in enumerate([(4, 5), (10, 10), (60, 20)]):
        phone = f"+23769900000{n}"
        received = hour + timedelta(minutes=minute)
        InboundMessage.objects.create(provider_sid=f"SM-report-{n}", sender=phone, body="Bonjour", received_at=received)
        _message(received + timedelta(seconds=delay), phone=phone)
    _message(hour + timedelta(minutes=40), phone="+237699000009")
    dead = _message(hour + timedelta(minutes=45), phone="+237699000008", delivered=False)
    dead.updated_at = hour + timedelta(minutes=45)
    type(dead).objects.filter(pk=dead.pk).update(updated_at=hour + timedelta(minutes=45))
    make_dead_letter(created_at=hour + timedelta(minutes=45))
    make_dead_letter(created_at=hour - timedelta(days=2), redriven_at=hour + timedelta(minutes=50))
    CircuitBreaker.objects.create(name="whatsapp", state="open", opened_at=hour + timedelta(minutes=45), open_count=1)
    provider = make_provider()
    for status, answer in ((RequestStatus.COMPLETED, OfferStatus.ACCEPTED), (RequestStatus.SEARCHING,
                                                                             OfferStatus.DECLINED)):
        request = make_request(status=status)
        type(request).objects.filter(pk=request.pk).update(created_at=hour + timedelta(minutes=15))
        request.offers.create(provider=provider, level="exact", sent_at=hour + timedelta(minutes=16),
                              expires_at=hour + timedelta(minutes=26), status=answer)
    _message(hour + timedelta(hours=2, minutes=30), phone="+237699000000")  # another hour
    InboundMessage.objects.create(provider_sid="SM-report-late", sender="+237699000001", body="Merci",
                                  received_at=hour + timedelta(hours=2, minutes=30))
    return hour


def test_the_report_of_a_known_hour_has_the_expected_figures(known_hour):
    call_command("reliability_report", "--hour", known_hour.isoformat())
    report = ReliabilityReport.objects.get()
    figures = report.figures
    assert report.hour == known_hour
    assert figures["delivery"] == {"success": 4, "failure": 1, "total": 5, "success_rate": 80.0}
    assert (report.messages_total, report.messages_failed, float(report.success_rate)) == (5, 1, 80.0)
    assert figures["sends_by_channel"]["whatsapp"]["sent"] == 4
    assert figures["sends_by_channel"]["whatsapp"]["delivered"] == 4
    assert figures["sends_by_channel"]["whatsapp"]["failed"] == 1 and figures["sends_by_channel"]["sms"]["failed"] == 1
    assert figures["errors_by_code"] == {"63007": 1, "21211": 1}
    assert figures["breaker_openings"] == {"whatsapp": 1}
    assert (figures["dead_letters_created"], figures["dead_letters_redriven"]) == (1, 1)
    assert figures["first_reply"] == {"answered": 3, "p50_seconds": 10.0, "p95_seconds": 60.0}
    market = figures["marketplace"]
    assert (market["requests_created"], market["requests_completed"], market["offers_sent"]) == (2, 1, 2)
    assert market["offer_acceptance_rate"] == 50.0


def test_the_same_hour_twice_is_one_report(known_hour):
    report_write(hour=known_hour + timedelta(minutes=59))
    call_command("reliability_report", "--hour", known_hour.replace(tzinfo=None).isoformat())  # local time
    assert ReliabilityReport.objects.count() == 1
    next_hour = report_write(hour=known_hour + timedelta(hours=1))
    assert next_hour.figures["breaker_openings"] == {}  # the opening belongs to the hour before
    assert next_hour.figures["delivery"]["total"] == 0


def test_live_reports_count_every_opening_of_the_hour_from_the_previous_report():
    last_hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    CircuitBreaker.objects.create(name="sms", state="closed", open_count=1)
    report_write(hour=last_hour)
    CircuitBreaker.objects.filter(name="sms").update(open_count=4, state="open", opened_at=timezone.now())
    assert report_write(hour=last_hour + timedelta(hours=1)).figures["breaker_openings"] == {"sms": 3}


def test_a_malformed_hour_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("reliability_report", "--hour", "yesterday")
    assert not ReliabilityReport.objects.exists()


def test_the_daily_summary_goes_to_staff_once(known_hour, settings, mailoutbox):
    settings.STAFF_ALERT_EMAILS = ["ops@djobea.test"]
    seven = timezone.localtime().replace(hour=7, minute=0, second=0, microsecond=0)
    assert daily_summary_send(now=seven) is True
    assert daily_summary_send(now=seven + timedelta(minutes=1)) is False  # a second node, or a second run
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ops@djobea.test"]
    body = mailoutbox[0].body
    assert ReliabilityReport.objects.count() == 24  # every hour of yesterday has its report
    assert "83,3" in mailoutbox[0].subject and "63007 ×1" in body and "whatsapp ×1" in body
    assert "10:00  5 " in body and "12:00  1 " in body  # the day: 5 of 6 delivered


def test_reports_api_newest_first_since_and_staff_only(known_hour, staff_client):
    from django.test import Client

    for offset in range(3):
        report_write(hour=known_hour + timedelta(hours=offset))
    data = staff_client.get("/api/monitoring/reports/").json()
    hours = [row["hour"] for row in data["results"]]
    assert data["count"] == 3 and hours == sorted(hours, reverse=True)
    since = (known_hour + timedelta(hours=1)).isoformat()
    assert staff_client.get("/api/monitoring/reports/", {"since": since}).json()["count"] == 2
    assert staff_client.get("/api/monitoring/reports/", {"since": "soon"}).status_code == 400
    assert Client().get("/api/monitoring/reports/").status_code in (401, 403)


def test_the_admin_lists_reports_under_a_7_day_chart(known_hour, staff_client):
    report_write(hour=known_hour)
    content = staff_client.get(reverse("admin:reliability_reliabilityreport_changelist")).content.decode()
    assert 'id="report-chart"' in content and "<svg" in content and "80.0%" in content


def test_the_report_schedules_exist_hourly_and_daily_at_seven_in_douala():
    from django_q.models import Schedule

    from djobea.schedules import ensure_schedules

    ensure_schedules()
    hourly = Schedule.objects.get(name="djobea:reliability-report")
    assert (hourly.func, hourly.schedule_type, hourly.minutes) == (
        "reliability.monitoring.reports.reports_write_due", Schedule.MINUTES, 60)
    daily = Schedule.objects.get(name="djobea:reliability-daily")
    local = timezone.localtime(daily.next_run)
    assert daily.schedule_type == Schedule.DAILY and (local.hour, local.minute) == (7, 0)
    assert str(local.tzinfo) == "Africa/Douala" and daily.next_run > timezone.now()
