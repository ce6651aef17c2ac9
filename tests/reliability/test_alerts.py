"""Alerts: dedup key, cool-down, email and webhook, and the rules evaluated by the schedule."""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.models import RequestStatus
from messaging.models import ChannelQuota, Notification
from reliability.alerts import alert_acknowledge, raise_alert
from reliability.health import heartbeat_beat
from reliability.models import Alert, AlertStatus, ErrorEvent
from reliability.monitoring.rules import evaluate_alerts
from tests.factories import make_request
from tests.reliability.monitoring_support import make_attempts, make_dead_letter, make_notification, open_breaker

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_emails(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STAFF_ALERT_EMAILS = ["ops@djobea.test"]
    settings.ALERT_COOLDOWN_MINUTES = 30
    settings.ALERT_WEBHOOK_URL = ""


def _raise(capture, **kwargs):
    with capture(execute=True):
        return raise_alert(**{"key": "breaker:whatsapp", "severity": "critical", "title": "WhatsApp down", **kwargs})


def test_same_key_is_one_alert_and_one_email(staff_emails, django_capture_on_commit_callbacks):
    for _ in range(3):
        alert = _raise(django_capture_on_commit_callbacks)
    assert Alert.objects.count() == 1
    alert.refresh_from_db()
    assert alert.count == 3
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@djobea.test"] and "WhatsApp down" in mail.outbox[0].subject


def test_cool_down_then_a_reminder(staff_emails, django_capture_on_commit_callbacks):
    alert = _raise(django_capture_on_commit_callbacks)
    Alert.objects.filter(pk=alert.pk).update(last_notified_at=timezone.now() - timedelta(minutes=29))
    _raise(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # still cooling down
    Alert.objects.filter(pk=alert.pk).update(last_notified_at=timezone.now() - timedelta(minutes=31))
    _raise(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2


def test_acknowledged_alert_stays_quiet_and_a_resolved_one_reopens(staff_emails, django_capture_on_commit_callbacks):
    alert = _raise(django_capture_on_commit_callbacks)
    alert_acknowledge(ids=[alert.pk])
    Alert.objects.filter(pk=alert.pk).update(last_notified_at=timezone.now() - timedelta(hours=2))
    _raise(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.RESOLVED)
    _raise(django_capture_on_commit_callbacks)
    assert Alert.objects.count() == 2 and len(mail.outbox) == 2


def test_no_notification_before_the_transaction_commits(staff_emails, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        raise_alert(key="request:1:escalated", severity="warning", title="Escalated")
    assert len(mail.outbox) == 0 and len(callbacks) == 1


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server API)
        length = int(self.headers["Content-Length"])
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        return


@pytest.fixture
def webhook_server():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_webhook_gets_slack_compatible_json(staff_emails, settings, webhook_server,
                                            django_capture_on_commit_callbacks):
    settings.ALERT_WEBHOOK_URL = webhook_server
    _raise(django_capture_on_commit_callbacks, detail="63007 on every send")
    assert len(_Hook.received) == 1
    assert "WhatsApp down" in _Hook.received[0]["text"] and "63007" in _Hook.received[0]["text"]


def test_unreachable_webhook_is_recorded_not_raised(staff_emails, settings, django_capture_on_commit_callbacks):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.ALERT_WEBHOOK_URL = f"http://127.0.0.1:{port}/closed"
    _raise(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert ErrorEvent.objects.filter(category="alerting").count() == 1


def _active(key):
    return Alert.objects.filter(dedup_key=key).exclude(status=AlertStatus.RESOLVED).first()


def test_rules_raise_and_resolve(staff_emails, settings, django_capture_on_commit_callbacks):
    settings.DEAD_LETTER_GROWTH_THRESHOLD = 2
    open_breaker("whatsapp")
    make_attempts(20, outcome="failed", code="63007", category="channel_config")
    make_notification(status="pending", next_attempt_at=timezone.now() - timedelta(minutes=15))
    make_dead_letter()
    make_dead_letter()
    make_request(status=RequestStatus.ESCALATED)
    ChannelQuota.objects.create(channel="whatsapp", spent_until=timezone.now() + timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        facts = evaluate_alerts()
    assert facts["status"] == "critical" and facts["open_breakers"] == ["whatsapp"]
    for key in ("status:critical", "breaker:whatsapp", "outbox:lag", "heartbeat:qcluster", "dead_letters:growing",
                "requests:escalated", "quota:whatsapp"):
        assert _active(key) is not None, key
    assert _active("outbox:lag").severity == "critical"
    assert facts["level"] == "critical"  # no heartbeat: everything is queued
    assert len(mail.outbox) == 7

    heartbeat_beat()
    from reliability.breakers import breaker_reset

    breaker_reset("whatsapp", user=None)
    Notification.objects.filter(status="pending").update(status="sent")
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_alerts()
    for key in ("breaker:whatsapp", "outbox:lag", "heartbeat:qcluster"):
        assert _active(key) is None, key
    assert len(mail.outbox) == 7  # resolving sends nothing; still-firing alerts are cooling down
