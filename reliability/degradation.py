"""Degradation level: computed from breakers and health, or set by staff for a while.

One row (DegradationState) holds the computed level (refreshed every minute by the alert
evaluation) and an optional manual override with reason, author and expiry. Everyone reads
``current_level()``; the behaviour per level (README, "Degradation levels"):

- normal:   everything on.
- minor:    AI intake off → the rules parser reads requests.
- moderate: + low-priority messages (countdowns, routine updates) wait; offers still go out.
- severe:   + WhatsApp off → SMS first.
- critical: short holding replies to clients, everything else queued until it recovers.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.i18n import Message, render, text
from reliability.breakers import breaker
from reliability.models import BreakerForce, BreakerState, CircuitBreaker, DegradationLevel, DegradationState

logger = logging.getLogger(__name__)

L = DegradationLevel
ORDER = [L.NORMAL, L.MINOR, L.MODERATE, L.SEVERE, L.CRITICAL]


def rank(level: str) -> int:
    return ORDER.index(level) if level in ORDER else 0


def _state() -> DegradationState:
    state = DegradationState.objects.order_by("pk").first()
    if state is None:
        state, _created = DegradationState.objects.get_or_create(pk=1)
    return state


def effective(state: DegradationState, *, now=None) -> tuple[str, str, bool]:
    """(level, reason, is_override) — an expired override no longer counts."""
    now = now or timezone.now()
    override_active = state.override_level and (
        state.override_expires_at is None or state.override_expires_at > now
    )
    if override_active:
        return state.override_level, state.override_reason, True
    return state.computed_level, state.computed_reason_display, False


def current_level() -> str:
    """The level in force now (one indexed read)."""
    state = DegradationState.objects.order_by("pk").first()
    return effective(state)[0] if state else L.NORMAL


LEVEL_CACHE_KEY = "djobea:degradation-level"
LEVEL_CACHE_SECONDS = 2  # the level is recomputed every minute; hot paths (each send) read it at most this often


def current_level_cached() -> str:
    """``current_level`` read at most every LEVEL_CACHE_SECONDS (shared through the cache); every write below
    forgets it, so a change made in this process applies at once."""
    return caches["local"].get_or_set(LEVEL_CACHE_KEY, current_level, LEVEL_CACHE_SECONDS)


def current_state() -> dict:
    state = _state()
    level, reason, is_override = effective(state)
    return {
        "level": level, "reason": reason, "is_override": is_override, "rank": rank(level),
        "computed_level": state.computed_level, "computed_reason": state.computed_reason_display,
        "override_level": state.override_level, "override_reason": state.override_reason,
        "override_by": str(state.override_by or ""), "override_expires_at": state.override_expires_at,
    }


# --- What each level turns off (callers ask these, not the level names) ----------------------

def ai_intake_enabled(level: str | None = None) -> bool:
    return rank(level or current_level()) < rank(L.MINOR)


def ai_intake_allowed() -> bool:
    """Whether intake may call the AI now: ``ai_intake_enabled`` for the level in force, except a computed
    "minor" caused by the ai breaker alone. The llm parser already falls back while that breaker is open,
    and must keep trying it, or the breaker never gets its half-open probe and stays open for good."""
    level, _reason, is_override = effective(_state())
    if ai_intake_enabled(level):
        return True
    return not is_override and level == L.MINOR and open_breakers() == ["ai"]


def low_priority_deferred(level: str | None = None) -> bool:
    return rank(level or current_level()) >= rank(L.MODERATE)


def whatsapp_enabled(level: str | None = None) -> bool:
    return rank(level or current_level()) < rank(L.SEVERE)


def holding_replies_only(level: str | None = None) -> bool:
    return rank(level or current_level()) >= rank(L.CRITICAL)


# --- Computing ---------------------------------------------------------------------------------

def blocks_calls(state: str, forced: str) -> bool:
    """Open or forced open; not disabled, and not half-open (its probes must get through)."""
    return forced == BreakerForce.FORCED_OPEN or (forced != BreakerForce.DISABLED and state == BreakerState.OPEN)


def open_breakers() -> list[str]:
    """Names of the breakers that block calls (``blocks_calls``)."""
    rows = CircuitBreaker.objects.values_list("name", "state", "forced")
    return [name for name, state, forced in rows if blocks_calls(state, forced)]


def refusing_breakers() -> list[str]:
    """The open breakers still inside their open wait. One whose wait has passed lets its next call through
    as a probe: the level must not hold back the messages that would make that probe (a deadlock seen in
    the chaos runs: WhatsApp fixed, nothing probed it, "moderate" held every low-priority message)."""
    return [name for name in open_breakers() if breaker(name).is_open()]


def compute_level(*, open_breaker_names, heartbeat_ok: bool = True, outbox_lag_seconds: float = 0.0,
                  status: str = "") -> tuple[str, Message]:
    """(level, reason as a message, core.i18n) from the facts; pure, so each rule is easy to test."""
    names = set(open_breaker_names)
    if not heartbeat_ok:
        return L.CRITICAL, text(gettext_noop("The task cluster is not running: every message is queued."))
    if {"whatsapp", "sms"} <= names:
        return L.CRITICAL, text(gettext_noop("WhatsApp and SMS are both unavailable."))
    if status == "critical" or outbox_lag_seconds >= settings.OUTBOX_LAG_CRITICAL_SECONDS:
        return L.SEVERE, text(gettext_noop("Deliveries are failing or far behind."))
    if "whatsapp" in names:
        return L.MODERATE, text(gettext_noop("WhatsApp is unavailable: SMS carries the traffic."))
    if status == "degraded" or outbox_lag_seconds >= settings.OUTBOX_LAG_WARNING_SECONDS:
        return L.MODERATE, text(gettext_noop("Deliveries are slow or partly failing."))
    if names:
        return L.MINOR, text(gettext_noop("Unavailable: %(names)s."), names=", ".join(sorted(names)))
    return L.NORMAL, {}


def degradation_refresh(**facts) -> str:
    """Store the computed level; returns the level in force (override or computed)."""
    level, reason = compute_level(**facts)
    state = _state()
    if (state.computed_level, state.computed_reason_message) != (level, reason):
        written = render(reason)
        logger.warning("degradation level computed: %s (%s)", level, written)
        DegradationState.objects.filter(pk=state.pk).update(
            computed_level=level, computed_reason=written[:255], computed_reason_message=reason,
            updated_at=timezone.now()
        )
        state.computed_level, state.computed_reason, state.computed_reason_message = level, written, reason
        caches["local"].delete(LEVEL_CACHE_KEY)
    return effective(state)[0]


def degradation_set(*, level: str, reason: str, user, minutes: int | None = 60) -> DegradationState:
    """Manual override by staff, for ``minutes`` (None = until cleared)."""
    if level not in L.values:
        raise ValueError(f"unknown degradation level {level!r}")
    if not reason.strip():
        raise ValueError("a reason is required")
    expires = timezone.now() + timedelta(minutes=minutes) if minutes else None
    with transaction.atomic():
        state = _state()
        DegradationState.objects.filter(pk=state.pk).update(
            override_level=level, override_reason=reason.strip()[:255], override_by=user,
            override_expires_at=expires, updated_at=timezone.now(),
        )
    caches["local"].delete(LEVEL_CACHE_KEY)
    logger.warning("degradation overridden to %s by %s until %s: %s", level, user, expires, reason)
    state.refresh_from_db()
    return state


def degradation_clear(*, user) -> None:
    state = _state()
    DegradationState.objects.filter(pk=state.pk).update(
        override_level="", override_reason="", override_by=None, override_expires_at=None, updated_at=timezone.now()
    )
    caches["local"].delete(LEVEL_CACHE_KEY)
    logger.warning("degradation override cleared by %s", user)
