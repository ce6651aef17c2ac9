"""Load generation over HTTP and the statistics the scenarios print.

Open loop: request i is due at ``start + i / rate`` whatever happened to the others, and its
latency counts from that due time, so a server that falls behind shows it (no coordinated
omission). Flat out: a fixed number of clients post back to back.
"""

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

WEBHOOK_PATH = "/webhooks/twilio/messages/"
BODY = "J'ai une fuite d'eau à Bonamoussadi"
_local = threading.local()


def phone(group: int, n: int) -> str:
    """A distinct Cameroonian mobile number per (group, n): a new client each time."""
    return f"+2376{7 + group // 10}{group % 10}{n:06d}"


def twilio_form(sender: str, *, body: str = BODY) -> dict[str, str]:
    return {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": f"whatsapp:{sender}",
            "To": "whatsapp:+14155238886", "Body": body, "NumMedia": "0", "ProfileName": "Bench"}


def post_form(url: str, form: dict, *, token: str | None) -> int:
    """POST ``form`` (signed with ``token`` when given, as Twilio does); returns the HTTP status, 0 on error."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, form)
    session = getattr(_local, "session", None) or requests.Session()
    _local.session = session
    try:
        return session.post(url, data=urlencode(form), headers=headers, timeout=30).status_code
    except requests.RequestException:
        return 0


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def summary(self) -> str:
        ms = lambda v: f"{v * 1000:7.1f}"  # noqa: E731
        return (f"{self.rate:7.1f} req/s  p50 {ms(self.pct(0.5))}  p95 {ms(self.pct(0.95))}  "
                f"p99 {ms(self.pct(0.99))} ms  errors {self.errors}")


def open_loop(send, *, rate: float, duration: float, threads: int = 200) -> Result:
    """Call ``send(i)`` (returns an HTTP status) ``rate`` times a second for ``duration`` seconds."""
    total = max(1, int(rate * duration))
    result = Result()
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def one(i: int) -> None:
        due = start + i / rate
        if (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)  # the schedule of an open-loop load, not a retry
        status = send(i)
        with lock:
            if status == 200:
                result.latencies.append(time.perf_counter() - due)
            else:
                result.errors += 1

    with ThreadPoolExecutor(max_workers=min(threads, total)) as pool:
        list(pool.map(one, range(total)))
    result.elapsed = time.perf_counter() - start
    return result


def flat_out(send, *, clients: int, duration: float) -> Result:
    """``clients`` threads calling ``send(i)`` back to back for ``duration`` seconds."""
    result = Result()
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + duration

    def client() -> None:
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter)
            began = time.perf_counter()
            status = send(i)
            with lock:
                if status == 200:
                    result.latencies.append(time.perf_counter() - began)
                else:
                    result.errors += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    result.elapsed = time.perf_counter() - began
    return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
