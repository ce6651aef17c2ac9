"""No log line or stored error text shows a readable phone number or a message body at info level."""

import logging

import pytest

from core.phones import mask_phones_in_text
from tests.messaging.inbound_support import inbound_settings, signed_post, twilio_params  # noqa: F401

LOCAL_SPELLINGS = ["6 77 12 34 56", "677 12 34 56", "677-12-34-56", "6.77.12.34.56", "677123456",
                   "237677123456", "%2B237677123456", "+237 6 77 12 34 56", "00237677123456",
                   "6+77+12+34+56", "6%2077%2012%2034%2056"]


@pytest.mark.parametrize("spelling", LOCAL_SPELLINGS)
def test_every_spelling_of_a_number_is_masked_in_a_log_line(spelling, caplog):
    from reliability.logging import MaskPhonesFilter

    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "GET /sim/%s/messages.json", (spelling,), None)
    MaskPhonesFilter().filter(record)

    assert not any(part in record.msg for part in ("12 34", "123456", "12-34", "12+34", "12%2034", "12.34"))
    assert "56/messages.json" in record.msg  # the last two digits stay, to tell numbers apart


@pytest.mark.parametrize("text", ["2026-11-30 12:00:00", "took 0.0123456789 s", "DJB-000042", "notification 1234",
                                  "SM0123456789abcdef0123456789abcdef", "latency 677 ms"])
def test_things_that_are_not_phone_numbers_are_left_alone(text):
    assert mask_phones_in_text(text) == text


@pytest.mark.django_db
@pytest.mark.usefixtures("inbound_settings")
def test_no_message_body_reaches_an_info_log(client, settings, caplog, run_tasks, committed):
    settings.MESSAGING_INBOUND_HANDLER = "marketplace.conversation.handle_inbound"
    secret = "Fuite chez moi au 6 77 12 34 56 code portail 4417"
    caplog.set_level(logging.INFO)

    with committed():
        assert signed_post(client, twilio_params(Body=secret)).status_code == 200
    run_tasks()
    from messaging.tasks import outbox_dispatch_due_task

    outbox_dispatch_due_task()

    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any(line.startswith("console ") for line in info), "a reply went out through the console channel"
    assert not [line for line in info if "portail 4417" in line or "Fuite chez moi" in line]
