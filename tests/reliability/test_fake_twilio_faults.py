"""The fake Twilio's fault injection, lookups and status callbacks, through the real twilio client.

The chaos benchmark and the composed-fault tests count on these behaviours, so they are pinned here.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from messaging.channels.twilio import BaseUrlHttpClient
from tests.fakes.twilio_server import FakeTwilio, Receipts, error, slow

SMS_TO = "+237677000001"
WA_TO = f"whatsapp:{SMS_TO}"


@pytest.fixture
def fake():
    server = FakeTwilio().start()
    yield server
    server.stop()


def client_for(fake: FakeTwilio, timeout: float = 2.0) -> Client:
    return Client(fake.account_sid, fake.auth_token,
                  http_client=BaseUrlHttpClient(base_url=fake.url, timeout=timeout))


def create(client: Client, to: str, body: str = "hello", **extra):
    return client.messages.create(to=to, from_="+15005550006", body=body, **extra)


def test_a_fault_for_one_channel_answers_its_code_and_http_status_and_spares_the_other(fake):
    fake.inject(error(20500), channel="whatsapp")
    client = client_for(fake)
    with pytest.raises(TwilioRestException) as raised:
        create(client, WA_TO)
    assert (raised.value.status, raised.value.code) == (500, 20500)
    assert create(client, SMS_TO).sid.startswith("SM")
    assert [o["answer"] for o in fake.outcomes] == ["20500", "ok"]
    assert fake.count() == 1  # a refused create stores nothing


def test_a_fault_window_ends_and_a_limited_fault_stops_after_its_hits(fake):
    fake.inject(error(20503), seconds=0.3)
    fake.inject(error(63038), limit=1, after=0.3)
    client = client_for(fake)
    with pytest.raises(TwilioRestException) as first:
        create(client, SMS_TO)
    time.sleep(0.35)
    with pytest.raises(TwilioRestException) as second:
        create(client, SMS_TO)
    create(client, SMS_TO)
    assert (first.value.status, second.value.status, second.value.code) == (503, 429, 63038)


def test_a_fraction_of_creates_fails_and_retry_after_is_sent(fake):
    fake.inject(error(20429, retry_after=3), fraction=0.5)
    client = client_for(fake)
    refused = 0
    for n in range(40):
        try:
            create(client, SMS_TO, body=f"m{n}")
        except TwilioRestException as exc:
            refused += 1
            assert (exc.status, exc.code) == (429, 20429)
    assert 8 <= refused <= 32
    assert fake.count() == 40 - refused


def test_accepted_then_timeout_stores_the_message_then_answers_too_late(fake):
    import requests

    fake.inject(slow(1.0), recipients=[SMS_TO], limit=1)
    with pytest.raises(requests.Timeout):
        create(client_for(fake, timeout=0.3), SMS_TO)
    assert fake.count(SMS_TO) == 1


def test_lookup_lists_newest_first_and_skips_queued_messages_in_date_filters(fake):
    fake.sent_after, fake.receipts = 0.3, Receipts(delay=5)
    client = client_for(fake)
    first, second = create(client, SMS_TO, body="one"), create(client, SMS_TO, body="two")
    assert [m.sid for m in client.messages.list(to=SMS_TO)] == [second.sid, first.sid]
    assert client.messages.list(to=SMS_TO, date_sent_after=_utc_minute_ago()) == []  # still queued
    time.sleep(0.5)
    assert len(client.messages.list(to=SMS_TO, date_sent_after=_utc_minute_ago())) == 2
    assert client.messages(first.sid).fetch().status == "sent"  # not delivered yet: no callback URL either


def _utc_minute_ago():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(minutes=1)


class _Receiver(BaseHTTPRequestHandler):
    received: list

    def log_message(self, format, *args):  # noqa: A002 (quiet)
        return

    def do_POST(self):  # noqa: N802
        params = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        url = f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"
        valid = RequestValidator("fake-auth-token").validate(url, params, self.headers.get("X-Twilio-Signature"))
        self.received.append((params, valid))
        self.send_response(200 if valid else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_receipts_post_signed_status_callbacks_and_the_lookup_shows_the_final_status(fake):
    received: list = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), type("R", (_Receiver,), {"received": received}))
    threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True).start()
    callback_url = f"http://127.0.0.1:{receiver.server_address[1]}/webhooks/twilio/status/"
    fake.receipts = Receipts(delay=0.1, undelivered_fraction=1.0, undelivered_code="30003")
    client = client_for(fake)
    whatsapp = create(client, WA_TO, status_callback=callback_url)
    sms = create(client, SMS_TO, status_callback=callback_url)
    deadline = time.monotonic() + 5
    while len(fake.callbacks) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    receiver.shutdown()
    statuses = {params["MessageSid"]: (params["MessageStatus"], params.get("ErrorCode"), valid)
                for params, valid in received}
    assert statuses == {whatsapp.sid: ("undelivered", "30003", True), sms.sid: ("delivered", None, True)}
    assert [c["answer"] for c in fake.callbacks] == [200, 200]
    assert client.messages(whatsapp.sid).fetch().status == "undelivered"
