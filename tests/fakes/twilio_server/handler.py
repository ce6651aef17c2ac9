"""The fake's HTTP side: Twilio's message create, list and fetch, and the configuration lookups."""

import base64
import json
import re
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from tests.fakes.twilio_server.messages import public

if TYPE_CHECKING:
    from tests.fakes.twilio_server.server import FakeTwilio

ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)\.json$")
NUMBERS_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/IncomingPhoneNumbers\.json$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages(?:/(?P<message>SM[0-9a-f]+))?\.json$")


class Handler(BaseHTTPRequestHandler):
    fake: "FakeTwilio"  # set by FakeTwilio.start on a subclass
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
        self._answer(201, public(stored))
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
        found = [public(m) for m in self.fake.list(query)]
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
        self._answer(200, public(found[0]))
