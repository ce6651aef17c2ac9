"""The fake Twilio's state and controls: messages held, scripts, injected faults, what it was asked."""

import json
import random
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer

from tests.fakes.twilio_server.handler import Handler
from tests.fakes.twilio_server.lifecycle import Lifecycle
from tests.fakes.twilio_server.messages import message_json, parse_date
from tests.fakes.twilio_server.replies import Fault, Receipts, Reply, ok


@dataclass
class FakeTwilio(Lifecycle):
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
        handler = type("Handler", (Handler,), {"fake": self})
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
        message = message_json(self.account_sid, to=to, from_=from_, body=body, date=date)
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
        message = message_json(self.account_sid, to=form.get("To", ""), from_=form.get("From", ""),
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
        after = parse_date(query.get("DateSent>"))
        before = parse_date(query.get("DateSent<"))
        on_day = parse_date(query.get("DateSent"))
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
