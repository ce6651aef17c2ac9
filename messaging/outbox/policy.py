"""What each provider error means: ONE table, read by the dispatcher and the status callbacks.

Columns: category, counts against the channel's breaker (a service failure, not a recipient's
problem), retry on the same channel, move to the next channel, suppress the recipient on this
channel, alert staff. ARCHITECTURE §3 has the classes.
"""

from dataclasses import dataclass

from django.db import models


class Category(models.TextChoices):
    TRANSIENT = "transient", "transient"
    QUOTA = "quota", "quota"
    CHANNEL_CONFIG = "channel_config", "channel config"
    RECIPIENT = "recipient", "recipient"
    WINDOW = "window", "window"
    UNKNOWN = "unknown", "unknown"


@dataclass(frozen=True)
class Rule:
    category: str
    counts_against_breaker: bool
    retry: bool
    next_channel: bool
    suppress_recipient: bool
    alert: bool
    description: str = ""


def _rule(category, breaker, retry, next_channel, suppress, alert, description):
    return Rule(category, breaker, retry, next_channel, suppress, alert, description)


T, Q, C, R, W, U = (Category.TRANSIENT, Category.QUOTA, Category.CHANNEL_CONFIG, Category.RECIPIENT,
                    Category.WINDOW, Category.UNKNOWN)

#               code                  category breaker retry  next   suppress alert
POLICY: dict[str, Rule] = {
    "20003": _rule(C, False, False, True, False, True, "authentication failed (bad credentials)"),
    "20429": _rule(T, False, True, True, False, False, "too many requests"),
    "20500": _rule(T, True, True, True, False, False, "Twilio internal server error"),
    "20503": _rule(T, True, True, True, False, False, "Twilio service unavailable"),
    "21211": _rule(R, False, False, True, False, False, "invalid 'To' phone number"),
    "21408": _rule(C, False, False, True, False, True, "permission to send to this region not enabled"),
    "21606": _rule(C, False, False, True, False, True, "'From' number cannot send on this channel"),
    "21610": _rule(R, False, False, True, True, False, "recipient unsubscribed (STOP)"),
    "21614": _rule(R, False, False, True, True, False, "'To' is not a mobile number"),
    "30003": _rule(R, False, False, True, False, False, "unreachable destination handset"),
    "30004": _rule(R, False, False, True, True, False, "message blocked by the recipient or carrier"),
    "30005": _rule(R, False, False, True, True, False, "unknown destination handset"),
    "30006": _rule(R, False, False, True, True, False, "landline or unreachable carrier"),
    "30007": _rule(R, False, False, True, False, False, "filtered by the carrier (spam)"),
    "30008": _rule(T, False, True, True, False, False, "unknown delivery error"),
    "63003": _rule(R, False, False, True, False, False, "invalid WhatsApp recipient"),
    "63007": _rule(C, False, False, True, False, True, "WhatsApp sender not found for this account"),
    "63016": _rule(W, False, False, True, False, False, "outside the 24-hour WhatsApp window"),
    "63018": _rule(T, True, True, True, False, False, "WhatsApp rate limit exceeded"),
    "63024": _rule(R, False, False, True, False, False, "invalid WhatsApp message type for this recipient"),
    "63038": _rule(Q, False, False, True, False, True, "daily WhatsApp message limit reached"),
    "http_5xx": _rule(T, True, True, True, False, False, "provider server error"),
    "http_429": _rule(T, False, True, True, False, False, "rate limited (HTTP 429 without a known code)"),
    "timeout": _rule(T, True, True, True, False, False, "socket timeout after the request left"),
    "connection_refused": _rule(T, True, True, True, False, False, "connection refused or failed"),
    "connection_lost": _rule(T, True, True, True, False, False, "connection lost after the request left"),
    "unknown": _rule(U, False, True, True, False, True, "unrecognised error code"),
}

# Our own codes, raised by our channels rather than by Twilio.
LOCAL_CODES: dict[str, Rule] = {
    "not_configured": _rule(C, False, False, True, False, True, "channel not configured"),
    "no_address": _rule(R, False, False, True, False, False, "no address for this channel"),
    "email_recipient_refused": _rule(R, False, False, True, True, False, "mail server refused the recipient"),
    "email_unavailable": _rule(T, True, True, True, False, False, "mail server unavailable"),
}

SUPPRESSING_CODES = tuple(code for code, rule in POLICY.items() if rule.suppress_recipient)


def policy_key(code: str, http_status: int | None = None) -> str:
    """The table row that governs ``code``: exact, then ``http_5xx``/``http_429`` for server and rate answers,
    else ``unknown``.

    The HTTP status comes first: whatever code a 5xx or a 429 carries, the service (not the message) failed,
    so it is retried. Rows that already wait or retry (transient, quota: 63038 comes as a 429) keep their own.
    """
    code = str(code or "")
    if code in POLICY or code in LOCAL_CODES:
        key = code
    elif code.startswith("http_5"):
        key = "http_5xx"
    elif code == "http_429":
        key = "http_429"
    else:
        key = "unknown"
    service_failed = bool(http_status) and (http_status >= 500 or http_status == 429)
    if service_failed and _row(key).category not in (Category.TRANSIENT, Category.QUOTA):
        return "http_5xx" if http_status >= 500 else "http_429"
    return key


def _row(key: str) -> Rule:
    return POLICY.get(key) or LOCAL_CODES[key]


def classify(code: str, http_status: int | None = None) -> Rule:
    return _row(policy_key(code, http_status))


# Categories that nothing but time or staff fixes: the message waits for them, up to MESSAGING_GIVE_UP_HOURS.
WAITING_CATEGORIES = (Category.TRANSIENT, Category.CHANNEL_CONFIG, Category.QUOTA, Category.WINDOW, Category.UNKNOWN)
