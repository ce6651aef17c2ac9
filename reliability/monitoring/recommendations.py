"""ONE table from observed patterns to concrete advice, ranked by impact.

Each row: a key, an impact weight (higher = more clients affected), a test on the facts the
dashboard already computed, a title and the advice. ``recommend(facts)`` returns the rows that
match, highest impact first, then by how many events are behind them.

Facts (built by reliability.monitoring.overview.recommendation_facts):
  codes: {twilio/local code: failed attempts in the last hour}
  categories: {policy category: failed attempts in the last hour}
  ai_timeout_ratio: share of AI parses that timed out in the last hour (None when AI is off)
  dead_letters_last_hour, dead_letter_threshold, heartbeat_ok, open_breakers
  recovered: channels whose last send in the hour succeeded after their last failure (optional)

Advice is only shown while its cause is there (a channel that delivers again clears the advice about
its error), and says what actually carries the traffic (no "SMS takes over" while SMS is down).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

TRANSIENT_CODES = ("timeout", "connection_refused", "20429", "63018")


def _code(facts, code) -> int:
    return facts["codes"].get(code, 0)


def _unless_recovered(code: str, *channels: str) -> Callable[[dict], int]:
    """The failures with ``code`` in the hour, until one of ``channels`` delivers again."""
    def count(facts) -> int:
        return 0 if set(channels) & set(facts.get("recovered", ())) else _code(facts, code)
    return count


def _sms_carries(facts) -> bool:
    return "sms" not in facts["open_breakers"]


def _transient(facts) -> int:
    server_errors = sum(n for code, n in facts["codes"].items() if code.startswith("http_5"))
    return server_errors + sum(_code(facts, code) for code in TRANSIENT_CODES)


@dataclass(frozen=True)
class Recommendation:
    key: str
    impact: int
    count: Callable[[dict], int]  # how many events are behind it; 0 = does not apply
    title: str
    advice: str
    advice_if_sms_down: str = ""  # said instead of ``advice`` while the SMS fallback is down too


TABLE: list[Recommendation] = [
    Recommendation(
        "heartbeat", 100, lambda f: 0 if f["heartbeat_ok"] else 1,
        _("The task cluster is down"),
        _("No heartbeat from the task cluster: nothing is sent or processed. Start it "
          "(`manage.py qcluster`, or the `tasks` process of scripts/run) and watch the outbox drain."),
    ),
    Recommendation(
        "phone_channels_down", 95, lambda f: 1 if {"whatsapp", "sms"} <= set(f["open_breakers"]) else 0,
        _("WhatsApp and SMS are both down"),
        _("No phone channel reaches clients: their messages wait in the outbox. Fix the cause named below, "
          "then reset the whatsapp and sms breakers (or wait for their trial): the waiting messages go out by "
          "themselves."),
    ),
    Recommendation(
        "63007", 90, _unless_recovered("63007", "whatsapp"),
        _("WhatsApp sender not set up in Twilio (63007)"),
        _("Twilio does not know the WhatsApp sender. Check TWILIO_WHATSAPP_FROM (the From number, "
          "with its whatsapp: prefix) and that the sender is approved in the Twilio console. SMS carries "
          "the traffic meanwhile; reset the whatsapp breaker once fixed."),
        _("Twilio does not know the WhatsApp sender. Check TWILIO_WHATSAPP_FROM (the From number, "
          "with its whatsapp: prefix) and that the sender is approved in the Twilio console. SMS is down too: "
          "messages wait in the outbox; reset the whatsapp breaker once fixed."),
    ),
    Recommendation(
        "20003", 90, _unless_recovered("20003", "whatsapp", "sms"),
        _("Twilio rejects our credentials (20003)"),
        _("Authentication failed: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (a rotated token?), "
          "restart the processes, then reset the breakers."),
    ),
    Recommendation(
        "63038", 70, _unless_recovered("63038", "whatsapp"),
        _("WhatsApp daily limit reached (63038)"),
        _("The WhatsApp daily message limit is spent: the SMS fallback is carrying the traffic. Raise the "
          "limit with Meta/Twilio (messaging tier) and set WHATSAPP_DAILY_LIMIT to match."),
        _("The WhatsApp daily message limit is spent and SMS is down too: messages wait in the outbox. Raise "
          "the limit with Meta/Twilio (messaging tier) and set WHATSAPP_DAILY_LIMIT to match."),
    ),
    Recommendation(
        "transient", 60, _transient,
        _("Twilio or network trouble (timeouts, 5xx)"),
        _("Timeouts and server errors from the provider: check Twilio's status page and this server's "
          "network. See the breakers below: an open breaker sends traffic to the next channel."),
    ),
    Recommendation(
        "ai_timeouts", 40, lambda f: 1 if (f["ai_timeout_ratio"] or 0) > 0.2 else 0,
        _("AI parser timing out (over 20 %)"),
        _("Over 20 % of AI intake calls time out: the rules parser is carrying intake. Check the AI endpoint "
          "(AI_BASE_URL) and its latency, or set AI_BACKEND=rules until it recovers."),
    ),
    Recommendation(
        "dead_letters", 30,
        lambda f: f["dead_letters_last_hour"] if f["dead_letters_last_hour"] >= f["dead_letter_threshold"] else 0,
        _("Dead letters are piling up"),
        _("Messages are ending in the dead-letter queue: review them (error and support code), fix the "
          "cause, then redrive them from the admin."),
    ),
]


def recommend(facts: dict) -> list[dict]:
    matched = []
    for row in TABLE:
        count = row.count(facts)
        if count > 0:
            advice = row.advice if _sms_carries(facts) or not row.advice_if_sms_down else row.advice_if_sms_down
            matched.append({"key": row.key, "impact": row.impact, "count": count,
                            "title": str(row.title), "advice": str(advice)})
    return sorted(matched, key=lambda r: (-r["impact"], -r["count"]))
