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

import base64
import heapq
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)\.json$")
NUMBERS_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/IncomingPhoneNumbers\.json$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages(?:/(?P<message>SM[0-9a-f]+))?\.json$")

# The HTTP status Twilio answers with for an error code at message creation.
ERROR_STATUS = {"20003": 401, "20429": 429, "63038": 429, "63018": 429, "20500": 500, "20503": 503}


@dataclass
class Reply:
    """One scripted answer. ``kind``: "ok", "error" (code + status), "slow" (sleep ``delay`` first),
    "drop" (store the message, then close the connection without answering)."""

    kind: str = "ok"
    code: str = ""
    status: int = 201
    message: str = ""
    retry_after: str | None = None
    delay: float = 0.0
    store: bool = True  # for "slow": the message reaches Twilio (unknown outcome) before the delay
    problem: bool = False  # answer in RFC 9457 form (the client raises TwilioServiceException)


def ok() -> Reply:
    return Reply("ok")


def error(code: int | str, *, status: int | None = None, retry_after: float | None = None,
          problem: bool = False) -> Reply:
    code = str(code)
    http_status = status or ERROR_STATUS.get(code, 400)
    return Reply("error", code=code, status=http_status, message=f"scripted error {code}",
                 retry_after=None if retry_after is None else str(retry_after), problem=problem)


def server_error(status: int = 503, *, retry_after: float | None = None) -> Reply:
    return Reply("error", code="", status=status, message="Service Unavailable",
                 retry_after=None if retry_after is None else str(retry_after))


def slow(delay: float, *, store: bool = True) -> Reply:
    return Reply("slow", delay=delay, store=store)


def drop() -> Reply:
    """The request reaches Twilio, which creates the message, but the connection breaks before the answer."""
    return Reply("drop")


@dataclass
class Fault:
    """Answer ``reply`` to a ``fraction`` of the creates that match (and no script answers).

    ``channel``: "whatsapp" (To is "whatsapp:…") or "sms"; ``recipients``: bare E.164 numbers;
    ``starts_at``/``ends_at``: a window on ``time.monotonic()``; ``limit``: at most this many hits.
    """

    reply: Reply
    fraction: float = 1.0
    channel: str | None = None
    recipients: frozenset[str] | None = None
    starts_at: float = 0.0
    ends_at: float | None = None
    limit: int | None = None
    name: str = ""
    hits: int = 0

    def applies(self, to: str, now: float) -> bool:
        if now < self.starts_at or (self.ends_at is not None and now >= self.ends_at):
            return False
        if self.limit is not None and self.hits >= self.limit:
            return False
        is_whatsapp = to.startswith("whatsapp:")
        if self.channel and self.channel != ("whatsapp" if is_whatsapp else "sms"):
            return False
        return self.recipients is None or to.removeprefix("whatsapp:") in self.recipients


@dataclass
class Receipts:
    """Twilio reporting the fate of accepted messages: after ``delay`` seconds each becomes delivered,
    or undelivered with ``undelivered_code`` for a ``undelivered_fraction`` of those on ``undelivered_channel``."""

    delay: float = 0.5
    undelivered_fraction: float = 0.0
    undelivered_code: str = "30003"
    undelivered_channel: str | None = "whatsapp"


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "f" * 32
    auth_token: str = "fake-auth-token"
    messages: list[dict] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    latency: float = 0.0  # seconds added to every accepted create (to catch a dispatcher mid-batch)
    lookup_replies: list[Reply] = field(default_factory=list)  # scripted answers to GET (list and fetch)
    after_create: object = None  # called with the stored message once a create is answered (callback races)
    account_status: str = "active"  # what GET /Accounts/{sid}.json reports
    phone_numbers: list[str] = field(default_factory=lambda: ["+14155238886", "+15005550006"])  # the account's
    config_delay: float = 0.0  # seconds before answering a configuration lookup (a slow Twilio)
    faults: list[Fault] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)  # every create: to, body, answer, fault, at
    callbacks: list[dict] = field(default_factory=list)  # every status callback posted: sid, status, answer
    sent_after: float = 0.0  # with receipts: seconds a message stays "queued" (no date_sent) before "sent"
    receipts: Receipts | None = None
    seed: int = 10

    def __post_init__(self):
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.random = random.Random(self.seed)
        self._events: list[tuple[float, int, str, str]] = []  # (monotonic due, order, sid, what)
        self._events_ready = threading.Condition(self.lock)
        self._poster: ThreadPoolExecutor | None = None
        self._ticker: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------------

    def start(self) -> "FakeTwilio":
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), name="fake-twilio", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        if self._ticker:
            with self.lock:
                self._ticker_stop = True
                self._events_ready.notify_all()
            self._ticker.join(timeout=5)
            self._poster.shutdown(wait=True, cancel_futures=True)
            self._ticker = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, to: str, *replies: Reply) -> None:
        """Replies for ``to`` in order (the exact To: "whatsapp:+237…" or "+237…" for SMS); once used
        up, the recipient gets successes."""
        with self.lock:
            self.scripts.setdefault(to, []).extend(replies)

    def script_lookup(self, *replies: Reply) -> None:
        """Answers to the next GETs (message list or fetch), in order; then the real answer."""
        with self.lock:
            self.lookup_replies.extend(replies)

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> None:
        """What Twilio reports for a message later (delivered, undelivered …), as a fetch would show."""
        with self.lock:
            for message in self.messages:
                if message["sid"] == sid:
                    message.update(status=status, error_code=error_code)

    def count(self, to: str | None = None) -> int:
        """Messages Twilio holds for exactly ``to`` (all of them when None)."""
        with self.lock:
            return sum(1 for m in self.messages if to is None or m["to"] == to)

    def sent_to(self, to: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["to"] == to]

    def add_message(self, *, to: str, body: str, from_: str = "", date: datetime | None = None) -> dict:
        """A message Twilio already has (for unknown-outcome tests)."""
        message = _message_json(self.account_sid, to=to, from_=from_, body=body, date=date)
        with self.lock:
            self.messages.append(message)
        return message

    # --- behaviour ----------------------------------------------------------------------------

    def next_reply(self, to: str) -> Reply:
        with self.lock:
            queue = self.scripts.get(to)
            if queue:
                return queue.pop(0)
            return self._fault_reply(to)

    def store(self, form: dict) -> dict:
        body = form.get("Body", "")
        if form.get("ContentSid"):  # Twilio renders the template; this stand-in text holds every variable
            body = "Djobea: " + " ".join(str(v) for v in json.loads(form.get("ContentVariables") or "{}").values())
        message = _message_json(self.account_sid, to=form.get("To", ""), from_=form.get("From", ""),
                                body=body, content_sid=form.get("ContentSid", ""),
                                status_callback=form.get("StatusCallback", ""))
        message["_received"] = time.time()  # wall clock, for benchmarks timing delivery across processes
        with self.lock:
            self.messages.append(message)
            self._lifecycle_start(message)
        return message

    def list(self, query: dict) -> list[dict]:
        """Twilio's list: newest first; the DateSent filters skip messages not sent yet (no date_sent)."""
        to = query.get("To")
        after = _parse_date(query.get("DateSent>"))
        before = _parse_date(query.get("DateSent<"))
        on_day = _parse_date(query.get("DateSent"))
        with self.lock:
            found = [m for m in self.messages if (not to or m["to"] == to)]
        if after or before or on_day:
            found = [m for m in found if m["date_sent"]]
        if after:
            found = [m for m in found if m["_at"] >= after]
        if before:
            found = [m for m in found if m["_at"] <= before]
        if on_day:
            found = [m for m in found if m["_at"].date() == on_day.date()]
        page_size = int(query.get("PageSize") or 50)
        return list(reversed(found))[:page_size]


    # --- fault injection (several processes send through one fake) ------------------------------

    def inject(self, reply: Reply, *, fraction: float = 1.0, channel: str | None = None,
               recipients: Iterable[str] | None = None, seconds: float | None = None, after: float = 0.0,
               limit: int | None = None, name: str = "") -> Fault:
        """From ``after`` seconds from now, for ``seconds`` (None: until cleared), answer ``reply`` to a
        ``fraction`` of the matching creates. Earlier faults are checked first."""
        now = time.monotonic()
        fault = Fault(reply, fraction=fraction, channel=channel,
                      recipients=None if recipients is None else frozenset(recipients), starts_at=now + after,
                      ends_at=None if seconds is None else now + after + seconds, limit=limit,
                      name=name or (reply.code or reply.kind))
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _fault_reply(self, to: str) -> Reply:
        now = time.monotonic()
        for fault in self.faults:
            if fault.applies(to, now) and self.random.random() < fault.fraction:
                fault.hits += 1
                return Reply(**{**fault.reply.__dict__, "message": fault.reply.message or fault.name})
        return ok()

    def record_create(self, form: dict, reply: Reply) -> None:
        answer = reply.code or (f"http_{reply.status}" if reply.kind == "error" else reply.kind)
        with self.lock:
            self.outcomes.append({"to": form.get("To", ""), "body": form.get("Body", ""), "answer": answer,
                                  "fault": reply.message if reply.kind != "ok" else "", "at": time.time()})

    # --- message lifecycle: queued → sent → delivered/undelivered, with status callbacks -----------

    def _lifecycle_start(self, message: dict) -> None:
        """Called under the lock for every stored message."""
        if self.receipts is None:
            return
        if self._ticker is None:
            self._ticker_stop = False
            self._poster = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fake-twilio-callback")
            self._ticker = threading.Thread(target=self._tick, name="fake-twilio-lifecycle", daemon=True)
            self._ticker.start()
        now = time.monotonic()
        self._schedule(now + self.sent_after, message["sid"], "sent")
        if self.receipts is not None:
            final = "delivered"
            receipts = self.receipts
            on_channel = receipts.undelivered_channel in (None, _channel_of(message["to"]))
            if on_channel and self.random.random() < receipts.undelivered_fraction:
                final = "undelivered"
            self._schedule(now + max(receipts.delay, self.sent_after), message["sid"], final)

    def _schedule(self, due: float, sid: str, what: str) -> None:
        heapq.heappush(self._events, (due, len(self.outcomes) + len(self._events), sid, what))
        self._events_ready.notify()

    def pending_events(self) -> int:
        with self.lock:
            return len(self._events)

    def _tick(self) -> None:
        while True:
            with self.lock:
                while not self._ticker_stop and (not self._events or self._events[0][0] > time.monotonic()):
                    wait = self._events[0][0] - time.monotonic() if self._events else None
                    self._events_ready.wait(timeout=wait)
                if self._ticker_stop:
                    return
                _due, _order, sid, what = heapq.heappop(self._events)
                message = next((m for m in self.messages if m["sid"] == sid), None)
                callback = self._advance(message, what) if message else None
            if callback:
                self._poster.submit(self._post_callback, *callback)

    def _advance(self, message: dict, what: str) -> tuple[str, dict] | None:
        now = datetime.now(UTC)
        if not message["date_sent"]:
            message.update(date_sent=format_datetime(now, usegmt=True), _at=now.replace(microsecond=0))
        message["status"] = what
        message["date_updated"] = format_datetime(now, usegmt=True)
        if what == "undelivered":
            message["error_code"] = int(self.receipts.undelivered_code)
        if what == "sent" or not message["status_callback"]:
            return None
        params = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "MessageSid": message["sid"],
                  "SmsSid": message["sid"], "MessageStatus": what, "SmsStatus": what, "To": message["to"],
                  "From": message["from"]}
        if what == "undelivered":
            params["ErrorCode"] = self.receipts.undelivered_code
        return message["status_callback"], params

    def _post_callback(self, url: str, params: dict) -> None:
        """Once, like Twilio without connection overrides: a 500 or a refused connection is not retried."""
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        try:
            answer = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=15).status_code
        except requests.RequestException as exc:
            answer = type(exc).__name__
        with self.lock:
            self.callbacks.append({"sid": params["MessageSid"], "status": params["MessageStatus"], "answer": answer,
                                   "at": time.time()})


def _channel_of(to: str) -> str:
    return "whatsapp" if to.startswith("whatsapp:") else "sms"



def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _message_json(account_sid, *, to, from_, body, content_sid="", status_callback="", date=None) -> dict:
    now = date or datetime.now(UTC)
    return {
        "sid": "SM" + uuid.uuid4().hex, "account_sid": account_sid, "to": to, "from": from_, "body": body,
        "status": "queued", "direction": "outbound-api", "num_segments": "1", "error_code": None,
        "error_message": None, "date_created": format_datetime(now, usegmt=True),
        "date_sent": None, "date_updated": format_datetime(now, usegmt=True),
        "content_sid": content_sid, "status_callback": status_callback, "_at": now.replace(microsecond=0),
    }


def _public(message: dict) -> dict:
    return {k: v for k, v in message.items() if not k.startswith("_") and k not in ("content_sid", "status_callback")}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms delayed-ACK stalls

    def log_message(self, format, *args):  # noqa: A002 (silence the default stderr log)
        return

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{self.fake.account_sid}:{self.fake.auth_token}".encode()).decode()
        return self.headers.get("Authorization", "") == f"Basic {expected}"

    def _answer(self, status: int, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up first (a scripted slow reply): expected

    def _route(self) -> bool:
        match = MESSAGES_PATH.match(urlsplit(self.path).path)
        if not match:
            self._answer(404, {"code": 20404, "message": "not found", "status": 404})
            return False
        if not self._authorised() or match["sid"] != self.fake.account_sid:
            self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return False
        return True

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:  # the client died mid-request: like Twilio, create nothing
            self.close_connection = True
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        with self.fake.lock:
            self.fake.requests.append({"method": "POST", "form": form})
        if not self._route():
            return
        reply = self.fake.next_reply(form.get("To", ""))
        self.fake.record_create(form, reply)
        if reply.kind == "drop":
            self.fake.store(form)
            self.close_connection = True
            return
        if reply.kind == "slow":
            if reply.store:
                self.fake.store(form)
            time.sleep(reply.delay)
            self._answer(503, {"code": None, "message": "too late", "status": 503})
            return
        if reply.kind == "error":
            headers = {"Retry-After": reply.retry_after} if reply.retry_after else None
            payload = {"code": int(reply.code) if reply.code else None, "message": reply.message,
                       "more_info": f"https://www.twilio.com/docs/errors/{reply.code}", "status": reply.status}
            if reply.problem:
                payload = {"type": f"https://www.twilio.com/docs/errors/{reply.code}", "title": reply.message,
                           "status": reply.status, "code": int(reply.code), "detail": reply.message}
            self._answer(reply.status, payload, headers)
            return
        stored = self.fake.store(form)
        if self.fake.latency:
            time.sleep(self.fake.latency)
        self._answer(201, _public(stored))
        if self.fake.after_create:
            self.fake.after_create(stored)

    def _configuration_lookup(self) -> bool:
        """The account and its phone numbers (the configuration check). True when this request was one."""
        path = urlsplit(self.path).path
        match = ACCOUNT_PATH.match(path) or NUMBERS_PATH.match(path)
        if not match:
            return False
        time.sleep(self.fake.config_delay)
        if not self._authorised() or match["sid"] != self.fake.account_sid:
            self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
        elif match.re is ACCOUNT_PATH:
            self._answer(200, {"sid": self.fake.account_sid, "friendly_name": "Djobea test",
                               "status": self.fake.account_status, "type": "Full"})
        else:
            wanted = parse_qs(urlsplit(self.path).query).get("PhoneNumber", [""])[0]
            numbers = [{"sid": "PN" + uuid.uuid4().hex, "phone_number": number, "account_sid": self.fake.account_sid}
                       for number in self.fake.phone_numbers if not wanted or number == wanted]
            self._answer(200, {"incoming_phone_numbers": numbers, "page": 0, "page_size": 50, "start": 0,
                               "end": max(len(numbers) - 1, 0), "first_page_uri": self.path, "next_page_uri": None,
                               "previous_page_uri": None, "uri": self.path})
        return True

    def do_GET(self):  # noqa: N802
        with self.fake.lock:
            self.fake.requests.append({"method": "GET", "path": self.path})
        if self._configuration_lookup():
            return
        with self.fake.lock:
            scripted = self.fake.lookup_replies.pop(0) if self.fake.lookup_replies else None
        if not self._route():
            return
        if scripted is not None and scripted.kind == "error":
            self._answer(scripted.status, {"code": int(scripted.code) if scripted.code else None,
                                           "message": scripted.message, "status": scripted.status})
            return
        message_sid = MESSAGES_PATH.match(urlsplit(self.path).path)["message"]
        if message_sid:
            self._fetch(message_sid)
            return
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        found = [_public(m) for m in self.fake.list(query)]
        self._answer(200, {"messages": found, "page": 0, "page_size": 50, "next_page_uri": None,
                           "first_page_uri": self.path, "previous_page_uri": None, "uri": self.path,
                           "start": 0, "end": max(len(found) - 1, 0)})

    def _fetch(self, message_sid: str) -> None:
        with self.fake.lock:
            found = [m for m in self.fake.messages if m["sid"] == message_sid]
        if not found:
            self._answer(404, {"code": 20404, "message": f"The requested resource {self.path} was not found",
                               "status": 404})
            return
        self._answer(200, _public(found[0]))
