"""Traffic of a fault run: notifications through ``enqueue`` and signed inbound posts over HTTP.

Both survive the database going away the way a real caller does: an ``enqueue`` batch whose
transaction failed is retried (the idempotency keys make that safe); an inbound post is sent once,
as Twilio sends it (no retry: Twilio calls a fallback URL, if any, instead).
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

INBOUND_PATH = "/webhooks/twilio/messages/"
NOTIFICATION_PREFIX = "chaos"  # every key of a run starts with it: notifications "chaos:<i>"
REPLY_PREFIX = "chaos-reply"  # and the handler's replies "chaos-reply:<MessageSid>:<uuid>"


def recipient(index: int) -> str:
    return f"+2376{index:08d}"


def sender(index: int) -> str:
    return f"+2376{90000000 + index:08d}"


@dataclass
class Burst:
    """``count`` notifications ``chaos:<i>``, in transactions of ``batch``, spread over ``seconds``."""

    count: int
    seconds: float
    batch: int = 25
    priorities: tuple[int, ...] = (10, 50, 90)
    committed: int = 0
    retried_batches: int = 0
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        started = time.monotonic()
        for first in range(0, self.count, self.batch):
            self._commit(range(first, min(first + self.batch, self.count)))
            ahead = started + self.seconds * (first + self.batch) / self.count - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)  # pacing the burst over its duration

    def _commit(self, indexes: range) -> None:
        from django.db import DatabaseError, close_old_connections, connection, transaction

        from messaging.outbox import enqueue

        for attempt in range(120):
            try:
                with transaction.atomic():
                    for i in indexes:
                        key = f"{NOTIFICATION_PREFIX}:{i}"
                        enqueue(key=key, body=f"message {i} [{key}]", phone=recipient(i),
                                priority=self.priorities[i % len(self.priorities)])
                self.committed += len(indexes)
                return
            except DatabaseError as exc:  # the database went away: a real caller retries its transaction
                self.retried_batches += 1
                self.errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
                connection.close()
                close_old_connections()
                time.sleep(min(2.0, 0.1 * (attempt + 1)))  # caller-side backoff while the database is away
        raise RuntimeError(f"could not enqueue batch {indexes} for a minute: {self.errors[-1]}")


@dataclass
class Inbound:
    """``conversations`` senders, each writing ``messages`` times (in order) over ``seconds``."""

    base_url: str
    auth_token: str
    conversations: int
    messages: int
    seconds: float
    threads: int = 6
    posts: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.lock = threading.Lock()

    def run(self) -> None:
        """Each conversation's messages in order, ``seconds / messages`` apart; conversations staggered."""
        gap = self.seconds / max(1, self.messages)
        plan = sorted(
            (index * gap / max(1, self.conversations) + n * gap, index, n)
            for index in range(self.conversations) for n in range(self.messages)
        )
        self.started = time.monotonic()
        self._plan = iter(plan)
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            list(pool.map(lambda _: self._poster(), range(self.threads)))

    def _poster(self) -> None:
        with requests.Session() as session:
            while True:
                with self.lock:
                    step = next(self._plan, None)
                if step is None:
                    return
                offset, index, n = step
                time.sleep(max(0.0, self.started + offset - time.monotonic()))  # the message's time has come
                channel = "whatsapp:" if index % 3 else ""  # two conversations in three on WhatsApp, others SMS
                self._post(session, channel + sender(index), f"message {n + 1} of conversation {index}")

    def _post(self, session: requests.Session, from_: str, body: str) -> None:
        sid = "SM" + uuid.uuid4().hex
        to = "whatsapp:+14155238886" if from_.startswith("whatsapp:") else "+15005550006"
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "f" * 32, "From": from_, "To": to,
                  "Body": body, "NumMedia": "0"}
        url = self.base_url + INBOUND_PATH
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        try:
            answer = session.post(url, data=urlencode(params), timeout=15, headers={
                "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}).status_code
        except requests.RequestException as exc:
            answer = type(exc).__name__
        with self.lock:
            self.posts.append({"sid": sid, "from": from_, "answer": answer, "at": time.time()})
