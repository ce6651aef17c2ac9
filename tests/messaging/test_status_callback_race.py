"""A failure callback racing the send (issue 10): Twilio's "undelivered" arrives between the dispatcher
writing the SID and committing. On PostgreSQL, with real concurrent connections: every message must still
fall back to SMS, without counting on the sweep."""

import random
import threading
import time

import pytest
import requests
from django.utils import timezone
from twilio.request_validator import RequestValidator

from messaging.models import Conversation, Notification, NotificationStatus, StatusCallback
from messaging.outbox import enqueue
from messaging.outbox.dispatch import dispatch_due

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATH = "/webhooks/twilio/status/"
MESSAGES = 24


def _post_undelivered_soon(base_url: str, token: str, sid: str, threads: list) -> None:
    """What Twilio does: its failure callback for a message it just accepted, a few milliseconds later."""
    def post():
        time.sleep(random.uniform(0, 0.03))  # noqa: S311 (timing jitter, not security)
        params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "63024"}
        signature = RequestValidator(token).compute_signature(base_url + PATH, params)
        requests.post(base_url + PATH, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)

    thread = threading.Thread(target=post)
    thread.start()
    threads.append(thread)


def test_a_failure_callback_racing_the_send_still_moves_every_message_to_sms(live_server, fake_twilio, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    fake_twilio.latency = 0.0
    threads: list[threading.Thread] = []
    fake_twilio.after_create = lambda message: message["to"].startswith("whatsapp:") and _post_undelivered_soon(
        live_server.url, settings.TWILIO_AUTH_TOKEN, message["sid"], threads)
    phones = [f"+2376770{i:05d}" for i in range(MESSAGES)]
    for phone in phones:
        Conversation.objects.create(phone=phone, last_inbound_at=timezone.now())
        enqueue(key=f"race-{phone}", body="Votre demande", phone=phone, channels=["whatsapp", "sms"])
    dispatch_due()
    for thread in threads:
        thread.join(timeout=10)
    assert StatusCallback.objects.filter(status="undelivered").count() == MESSAGES
    dispatch_due()  # the SMS fallbacks the callbacks asked for
    on_whatsapp = Notification.objects.filter(channel="whatsapp").values_list("status", flat=True)
    assert list(on_whatsapp) == []
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert not StatusCallback.objects.filter(applied_at__isnull=True).exists()
