"""The outage spool: signed requests kept on disk are stored once per MessageSid when the database is back."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from messaging.inbound.spool import MESSAGES, REJECTED_DIR, STATUS, spool_dir, spool_drain, spool_pending, spool_write
from messaging.models import Conversation, InboundMessage, StatusCallback
from reliability.models import ErrorEvent
from tests.messaging.inbound_support import inbound_settings, twilio_params  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]


def spooled_message(**overrides):
    return spool_write(kind=MESSAGES, body=urlencode(twilio_params(**overrides)).encode())


def test_a_spooled_message_is_stored_with_its_arrival_time_and_the_file_removed(run_tasks, committed):
    path = spooled_message(Body="Fuite à Akwa")
    arrived = json.loads(path.read_text())["received_at"]

    with committed():
        assert spool_drain() == {"stored": 1, "rejected": 0, "left": 0}

    message = InboundMessage.objects.get()
    assert message.body == "Fuite à Akwa"
    assert message.received_at.isoformat() == timezone.datetime.fromisoformat(arrived).isoformat()
    assert Conversation.objects.get(phone=message.sender).last_inbound_at == message.received_at
    assert spool_pending() == []
    assert run_tasks() == ["messaging.inbound.tasks.process_inbound"]


def test_the_same_message_spooled_twice_is_stored_once():
    spooled_message()
    spooled_message()

    assert spool_drain()["stored"] == 2
    assert InboundMessage.objects.count() == 1


def test_a_message_already_stored_before_the_outage_is_a_no_op():
    spooled_message()
    spool_drain()
    spooled_message()

    assert spool_drain()["stored"] == 1
    assert InboundMessage.objects.count() == 1


def test_a_spooled_status_callback_is_stored():
    spool_write(kind=STATUS, body=urlencode({"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}).encode())

    spool_drain()

    assert StatusCallback.objects.get().status == "delivered"


def test_files_are_drained_oldest_first_and_the_write_is_atomic(settings):
    first = spooled_message(MessageSid="SM" + "1" * 32)
    second = spooled_message(MessageSid="SM" + "2" * 32)

    assert spool_pending() == [first, second]
    assert not [p for p in spool_dir().iterdir() if p.name.endswith(".tmp")]
    spool_drain()
    first_row, second_row = InboundMessage.objects.order_by("received_at")
    assert (first_row.provider_sid, second_row.provider_sid) == ("SM" + "1" * 32, "SM" + "2" * 32)


def test_a_file_that_can_never_be_stored_is_set_aside_with_a_support_code():
    bad = spool_dir() / "00000000000000000001-messages-bad.json"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("{not json")
    spooled_message()

    assert spool_drain() == {"stored": 1, "rejected": 1, "left": 0}
    assert (spool_dir() / REJECTED_DIR / bad.name).exists()
    assert ErrorEvent.objects.get(category="inbound.spool").context["file"].endswith(bad.name)
    assert InboundMessage.objects.count() == 1


def test_an_old_spooled_message_keeps_its_old_time():
    path = spooled_message()
    record = json.loads(path.read_text())
    record["received_at"] = (timezone.now() - timedelta(minutes=5)).isoformat()
    path.write_text(json.dumps(record))

    spool_drain()

    assert timezone.now() - InboundMessage.objects.get().received_at >= timedelta(minutes=5)
