"""What a fault run did to its messages, counted from the fake Twilio's record and the database.

A message counts as received by its recipient when Twilio holds a copy of it that ended
``delivered`` (with receipts on; otherwise any copy Twilio accepted). Figures:

- lost: a notification Twilio never delivered although its row says sent/delivered, or no row at
  all; an inbound message posted to the webhook that was never stored; a processed one without reply.
- duplicated: copies delivered beyond the first; an inbound message handled twice (two replies).
- stuck: rows still waiting (pending, sending, unknown, failed), sent rows whose receipt was never
  applied, inbound messages not processed, when the run stopped waiting.
- dead: dead-lettered notifications, "expected" when the recipient's fault was permanent.
- unexpected: dead letters of recipients with only transient faults, dead rows Twilio delivered,
  inbound posts answered other than 200, inbound messages dead-lettered.
"""

import re
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from tests.harness.traffic import NOTIFICATION_PREFIX, REPLY_PREFIX

TOKEN = re.compile(r"\[(chaos[^\]]*)\]")
WAITING = ("pending", "sending", "unknown", "failed")
FINAL = ("delivered", "read", "dead")


@dataclass
class Figures:
    notifications: int = 0
    inbound_posted: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    dead: int = 0
    dead_expected: int = 0
    unexpected: int = 0
    receipts_not_applied: int = 0
    delivered: int = 0
    statuses: dict = field(default_factory=dict)
    inbound_statuses: dict = field(default_factory=dict)
    examples: dict = field(default_factory=dict)

    def note(self, what: str, example: str) -> None:
        self.examples.setdefault(what, [])
        if len(self.examples[what]) < 5:
            self.examples[what].append(example)

    def as_dict(self) -> dict:
        return asdict(self)


def _copies(fake, *, receipts: bool) -> dict[str, list[str]]:
    """Token → the final statuses of Twilio's copies of that message."""
    with fake.lock:
        messages = [(m["body"], m["status"]) for m in fake.messages]
    copies: dict[str, list[str]] = defaultdict(list)
    for body, status in messages:
        match = TOKEN.search(body or "")
        if match:
            copies[match[1]].append(status if receipts else "delivered")
    return copies


def count(fake, *, expected_keys: set[str], posts: list[dict], permanent: set[str], receipts: bool) -> Figures:
    from messaging.models import InboundMessage, Notification

    figures = Figures(inbound_posted=len(posts))
    copies = _copies(fake, receipts=receipts)
    rows = list(Notification.objects.filter(idempotency_key__startswith=NOTIFICATION_PREFIX)
                .values_list("idempotency_key", "status", "recipient_phone"))
    figures.notifications = len(rows)
    figures.statuses = dict(Counter(status for _key, status, _phone in rows))
    for key in expected_keys - {key for key, _status, _phone in rows}:
        figures.lost += 1
        figures.note("lost", f"{key}: enqueue committed, no row")
    for key, status, phone in rows:
        _count_notification(figures, key, status, phone, copies.get(key, []), permanent, receipts=receipts)
    _count_inbound(figures, posts, InboundMessage, [key for key, _s, _p in rows if key.startswith(REPLY_PREFIX)])
    figures.examples["waiting rows"] = _waiting_rows(Notification)
    return figures


def _waiting_rows(model) -> list[str]:
    """How the rows still waiting wait: enough to tell a long backoff from a forgotten row."""
    from django.utils import timezone

    now = timezone.now()
    rows = (model.objects.filter(idempotency_key__startswith=NOTIFICATION_PREFIX, status__in=WAITING)
            .order_by("next_attempt_at")
            .values_list("idempotency_key", "status", "channel", "attempts", "next_attempt_at", "last_error_code",
                         "last_error")[:8])
    return [f"{key}: {status} on {channel}, {attempts} attempts, due in {(due - now).total_seconds():.0f} s, "
            f"last error {code} {error[:80]}" for key, status, channel, attempts, due, code, error in rows]


def _count_notification(figures: Figures, key: str, status: str, phone: str, statuses: list[str],
                        permanent: set[str], *, receipts: bool) -> None:
    delivered = statuses.count("delivered")
    figures.delivered += min(delivered, 1)
    if delivered > 1:
        figures.duplicated += delivered - 1
        figures.note("duplicated", f"{key}: {delivered} copies delivered")
    if status in WAITING:
        figures.stuck += 1
        figures.note("stuck", f"{key}: {status}")
    elif status == "dead":
        figures.dead += 1
        if phone in permanent:
            figures.dead_expected += 1
        else:
            figures.unexpected += 1
            figures.note("unexpected", f"{key}: dead-lettered, its faults were transient")
        if delivered:
            figures.unexpected += 1
            figures.note("unexpected", f"{key}: dead-lettered but Twilio delivered it")
    elif not delivered:
        figures.lost += 1
        figures.note("lost", f"{key}: row {status}, Twilio copies {statuses or 'none'}")
    elif status == "sent" and receipts:
        figures.stuck += 1
        figures.receipts_not_applied += 1
        figures.note("stuck", f"{key}: sent, delivered at Twilio, receipt never applied")


def _count_inbound(figures: Figures, posts: list[dict], model, reply_keys: list[str]) -> None:
    replies = Counter(key.split(":")[1] for key in reply_keys)
    stored = dict(model.objects.filter(provider_sid__in=[p["sid"] for p in posts])
                  .values_list("provider_sid", "status"))
    figures.inbound_statuses = dict(Counter(stored.values()))
    for post in posts:
        sid, status = post["sid"], stored.get(post["sid"])
        if post["answer"] != 200:
            figures.unexpected += 1
            figures.note("unexpected", f"inbound {sid}: webhook answered {post['answer']}")
        if status is None:
            figures.lost += 1
            figures.note("lost", f"inbound {sid}: answered {post['answer']}, never stored")
        elif status == "dead":
            figures.unexpected += 1
            figures.note("unexpected", f"inbound {sid}: dead-lettered")
        elif status != "processed":
            figures.stuck += 1
            figures.note("stuck", f"inbound {sid}: {status}")
        elif replies[sid] == 0:
            figures.lost += 1
            figures.note("lost", f"inbound {sid}: processed without its reply")
        elif replies[sid] > 1:
            figures.duplicated += replies[sid] - 1
            figures.note("duplicated", f"inbound {sid}: handled {replies[sid]} times")


def unsettled(fake, *, posts: list[dict], receipts: bool) -> dict:
    """What is still moving; an empty dict means settled. Survives the database being away."""
    from django.db import DatabaseError, close_old_connections, connection

    from messaging.models import InboundMessage, Notification

    left = {}
    if fake.pending_events():
        left["twilio_events"] = fake.pending_events()
    try:
        close_old_connections()
        # Inbound first: processing marks a message processed in the transaction that enqueues its reply, so
        # a message processed after this read is open here, and one processed before has its reply counted
        # below. (Read the other way round, a processing committed between the reads looked settled.)
        # A post answered other than 200 is, for Twilio, failed for good: nothing will bring it back.
        sids = [p["sid"] for p in posts if p["answer"] == 200]
        inbound = InboundMessage.objects.filter(provider_sid__in=sids)
        stored = inbound.count()
        open_inbound = inbound.exclude(status__in=("processed", "dead")).count()
        notifications = Notification.objects.filter(idempotency_key__startswith=NOTIFICATION_PREFIX)
        waiting = notifications.filter(status__in=WAITING).count()
        unconfirmed = notifications.filter(status="sent").count() if receipts else 0
    except DatabaseError as exc:
        connection.close()
        return {"database": type(exc).__name__}
    for name, value in (("waiting", waiting), ("sent_without_receipt", unconfirmed),
                        ("inbound_not_stored", len(sids) - stored), ("inbound_open", open_inbound)):
        if value:
            left[name] = value
    return left


def wait_settled(fake, *, posts: list[dict], receipts: bool, timeout: float) -> tuple[float | None, dict]:
    """Seconds until nothing moves any more (None if still moving at ``timeout``), and what was left."""
    started = time.monotonic()
    left = {}
    while time.monotonic() - started < timeout:
        left = unsettled(fake, posts=posts, receipts=receipts)
        if not left:
            return time.monotonic() - started, {}
        time.sleep(1.0)  # polling the database and the fake until the run settles, bounded by timeout
    return None, left


def system_state() -> dict:
    """What the dashboard would say at the end: the degradation level and its reason, the breakers."""
    from reliability.models import CircuitBreaker, DegradationState

    state = DegradationState.objects.first()
    return {
        "degradation": (f"{state.computed_level}: {state.computed_reason_display}" if state
                        else "normal (never computed)"),
        "breakers": dict(CircuitBreaker.objects.values_list("name", "state")),
    }
