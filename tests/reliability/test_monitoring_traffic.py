"""`manage.py demo_traffic`: the newcomer's way to make traffic, then see the status follow injected failures."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from messaging.models import Channel, DeliveryAttempt, Notification, NotificationStatus
from messaging.outbox.dispatch import dispatch_due
from reliability.breakers import breaker_reset
from reliability.monitoring.status import delivery_status

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_traffic_is_sent_on_whatsapp_and_makes_the_status_healthy(settings, run_tasks, capsys):
    settings.MESSAGING_BACKEND = "console"
    settings.CONSOLE_FAIL_RATE = 0.0
    call_command("demo_traffic", count=12)
    run_tasks()
    assert "12 demo messages queued" in capsys.readouterr().out
    assert Notification.objects.filter(status=NotificationStatus.SENT, channel=Channel.WHATSAPP).count() == 12
    status = delivery_status()
    assert (status["status"], status["delivered"], status["failed"]) == ("healthy", 12, 0)


def test_injected_63007_on_whatsapp_and_sms_turns_critical_then_healthy_once_cleared(settings, run_tasks):
    settings.MESSAGING_BACKEND = "console"
    settings.CONSOLE_FAIL_RATE, settings.CONSOLE_FAIL_CODE = 1.0, "63007"
    settings.CONSOLE_FAIL_CHANNELS = ["whatsapp", "sms"]
    call_command("demo_traffic", count=12)
    run_tasks()
    assert delivery_status()["status"] == "critical"
    assert DeliveryAttempt.objects.filter(error_code="63007").exists()

    settings.CONSOLE_FAIL_RATE = 0.0  # failures cleared; staff reset the breakers from the dashboard
    for name in ("whatsapp", "sms"):
        breaker_reset(name, user=None)
    # the breakers' open wait elapses (the deferred messages come due), as the every-minute sweep sees it
    Notification.objects.filter(status=NotificationStatus.PENDING).update(next_attempt_at=timezone.now())
    dispatch_due()
    call_command("demo_traffic", count=12)
    run_tasks()
    status = delivery_status()
    # The messages that waited for the breakers are delivered now; none was dead-lettered (issue 10: an
    # outage of every channel waits instead of dead-lettering its probes).
    assert (status["status"], status["failed"]) == ("healthy", 0)


def test_demo_traffic_refuses_a_real_provider(settings):
    settings.MESSAGING_BACKEND = "twilio"
    with pytest.raises(CommandError, match="console"):
        call_command("demo_traffic", count=3)
