"""Is the Twilio configuration right, before the first client finds out?

Through the real twilio client (same base URL and timeout as the channels): the credentials open the
account (``GET /Accounts/{sid}.json``), the account is active, and ``TWILIO_WHATSAPP_FROM`` and
``TWILIO_SMS_FROM`` are numbers of that account (``IncomingPhoneNumbers`` lookups). A wrong sender —
the 63007 that stopped every message of the seed systems — shows at start on ``/health/`` (a
warning, not an outage), on the dashboard and as the alert ``twilio-config``.

The answer is cached for ``TWILIO_CONFIG_CHECK_SECONDS`` (300) in the shared cache, and no lookup is
made while the channel breakers block calls (Twilio is down, or already known misconfigured).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_noop
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from core.i18n import Message, render, text
from messaging.channels.twilio import BaseUrlHttpClient
from reliability.degradation import open_breakers

logger = logging.getLogger(__name__)

CACHE_KEY = "djobea:twilio-config:messages"  # a new name when the cached shape changes (old nodes, Redis)
OK, WARNING, SKIPPED = "ok", "warning", "skipped"
# Each of the (at most three) lookups waits this long at most: /health/ runs the check and must answer
# quickly; a slow Twilio only means "not checked", never an outage.
LOOKUP_TIMEOUT_SECONDS = 2.0
CHECK_BUDGET_SECONDS = 3 * LOOKUP_TIMEOUT_SECONDS + 2


def _number(address: str) -> str:
    return address.removeprefix("whatsapp:").strip()


def _lookup() -> list[Message]:
    """The problems found at Twilio (empty: all good). Raises TwilioException or OSError when it cannot ask."""
    timeout = min(settings.TWILIO_TIMEOUT_SECONDS, LOOKUP_TIMEOUT_SECONDS)
    http_client = BaseUrlHttpClient(base_url=settings.TWILIO_API_BASE_URL, timeout=timeout)
    client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)
    account = client.api.v2010.accounts(settings.TWILIO_ACCOUNT_SID).fetch()
    problems = []
    if account.status != "active":
        problems.append(text(gettext_noop("The Twilio account is %(status)s, not active."), status=account.status))
    for setting in ("TWILIO_WHATSAPP_FROM", "TWILIO_SMS_FROM"):
        number = _number(getattr(settings, setting))
        if not number:
            problems.append(text(gettext_noop("%(setting)s is not set."), setting=setting))
        elif not client.incoming_phone_numbers.list(phone_number=number, limit=1):
            problems.append(text(gettext_noop("%(setting)s (%(number)s) is not a number of this Twilio account: "
                                              "Twilio will refuse to send from it (63007 on WhatsApp, 21606 on SMS)."),
                                 setting=setting, number=number))
    return problems


def _skipped(detail: Message) -> dict:
    return {"state": SKIPPED, "problem_messages": [], "detail_message": detail}


def _check() -> dict:
    """The outcome as messages (core.i18n): it is cached for every reader, whatever their language."""
    if settings.MESSAGING_BACKEND != "twilio":
        return _skipped(text(gettext_noop("Console backend: nothing is sent to Twilio.")))
    if {"whatsapp", "sms"} <= set(open_breakers()):
        return _skipped(text(gettext_noop("Not checked while the whatsapp and sms breakers block calls to Twilio.")))
    try:
        problems = _lookup()
    except TwilioException as exc:
        code = getattr(exc, "code", None)
        if code == 20003 or getattr(exc, "status", None) == 401:
            problems = [text(gettext_noop("Twilio rejects TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (20003)."))]
        else:
            problems = [text(gettext_noop("Twilio answered the configuration check with an error: %(error)s"),
                             error=str(exc))]
    except OSError as exc:  # requests' connection errors and timeouts are OSError subclasses
        logger.warning("Twilio configuration check could not reach Twilio: %s", exc)
        return _skipped(text(gettext_noop("Twilio could not be reached: %(error)s"), error=exc.__class__.__name__))
    return {"state": WARNING if problems else OK, "problem_messages": problems, "detail_message": {}}


def twilio_config_status(*, refresh: bool = False) -> dict:
    """{"state": ok | warning | skipped, "problems": [...], "detail", "checked_at"} in the active language, and
    "problem_messages" (core.i18n, for the alert); cached a few minutes."""
    result = None if refresh else cache.get(CACHE_KEY)
    if result is None:
        result = {**_check(), "checked_at": timezone.now()}
        if result["problem_messages"]:
            logger.warning("Twilio configuration: %s", render(result["problem_messages"]))
        cache.set(CACHE_KEY, result, settings.TWILIO_CONFIG_CHECK_SECONDS)
    return {**result, "problems": [render(problem) for problem in result["problem_messages"]],
            "detail": render(result["detail_message"])}
