"""A fake Twilio REST API on 127.0.0.1 for the real twilio client (through TWILIO_API_BASE_URL).

Implements ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (create, Basic auth checked) and
``GET …/Messages.json`` (list, ``To`` and ``DateSent>`` filters). Replies are scripted per
recipient: success, any error code (right HTTP status, Twilio's JSON body), 5xx, slow beyond the
client's timeout (optionally after storing the message: an unknown outcome), a connection dropped
after the message was stored (unknown outcome too), a Retry-After header.
Every received message is recorded; ``count(to)`` tells how many reached "Twilio".
Configuration lookups: ``GET /2010-04-01/Accounts/{sid}.json`` (``account_status``) and
``GET …/IncomingPhoneNumbers.json?PhoneNumber=`` (the numbers in ``phone_numbers``).

Fault injection for runs with real processes (the chaos benchmark, composed-fault tests): ``inject``
answers a fraction of the creates that no script answers with a fault, for one channel, some
recipients, a time window or a number of hits (``outcomes`` records what every create got). A new
message is "queued" (no ``date_sent``); with ``receipts`` Twilio sends it ``sent_after`` seconds later,
then reports it ``delivered`` (or ``undelivered``) and POSTs the status callback, signed with
RequestValidator, to the URL the create named, once (``callbacks`` records the answers).
"""

from tests.fakes.twilio_server.replies import (
    ERROR_STATUS,
    Fault,
    Receipts,
    Reply,
    drop,
    error,
    ok,
    server_error,
    slow,
)
from tests.fakes.twilio_server.server import FakeTwilio

__all__ = ["ERROR_STATUS", "FakeTwilio", "Fault", "Receipts", "Reply", "drop", "error", "ok", "server_error", "slow"]
