"""Twilio reporting a message's fate: queued → sent → delivered/undelivered, with signed status callbacks.

A mixin of FakeTwilio (tests.fakes.twilio_server.server): it uses the fake's lock, messages, receipts,
sent_after, outcomes, random and auth_token.
"""

import heapq
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import format_datetime

import requests
from twilio.request_validator import RequestValidator

from tests.fakes.twilio_server.messages import channel_of


class Lifecycle:
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
            on_channel = receipts.undelivered_channel in (None, channel_of(message["to"]))
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

