"""LLM parser: an OpenAI-compatible chat-completions endpoint, hard-capped, with the rules as fallback.

The call runs in a small worker pool so the caller waits at most AI_TIMEOUT_SECONDS of wall-clock
time, whatever the server does (a server that drips one byte a second defeats a plain read
timeout). The worker itself stops reading at the same deadline. Any timeout, error, bad JSON or an
open "ai" breaker falls back to the rules parser: the client always gets an answer.
"""

import json
import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import requests
from django.conf import settings

from marketplace import texts
from marketplace.intake.base import Parser, ParseResult
from marketplace.intake.places import find_zone
from marketplace.intake.rules import RulesParser
from marketplace.intake.text import normalize
from marketplace.intake.trades import denied_trades
from marketplace.intake.urgency import urgency_denied
from marketplace.models import ServiceCategory, Urgency
from reliability import metrics
from reliability.breakers import BreakerOpen, breaker
from reliability.errors import record_error

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3.0
MAX_RESPONSE_BYTES = 64 * 1024
POOL_WORKERS = 4
_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """One small pool per process: a pool inherited through fork (the task cluster forks) has no threads."""
    pid = os.getpid()
    if pid not in _pools:
        _pools.clear()
        _pools[pid] = ThreadPoolExecutor(max_workers=POOL_WORKERS, thread_name_prefix="djobea-ai")
    return _pools[pid]

SYSTEM_PROMPT = (
    "You read messages sent to Djobea, a service that finds tradespeople in Douala and Yaoundé "
    "(Cameroon). Answer with one JSON object only: "
    '{"category": one of %(slugs)s or null, "zone": the neighbourhood name as written or null, '
    '"urgency": "urgent" or "normal", "language": "fr" or "en", "description": a short summary}.'
)


class AIFailure(Exception):
    """The AI service failed; ``reason`` is the fallback metric's label, ``service_fault`` feeds the breaker."""

    def __init__(self, reason: str, detail: str, *, service_fault: bool):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.service_fault = service_fault


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    chunks, size = [], 0
    # read1 returns whatever bytes have arrived, so a server dripping one byte at a time cannot hold
    # this loop past the deadline (iter_content would wait for a full chunk).
    for chunk in iter(lambda: response.raw.read1(1024, decode_content=True), b""):
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise AIFailure("timeout", "answer still arriving at the deadline", service_fault=True)
        if size > MAX_RESPONSE_BYTES:
            raise AIFailure("bad_response", "answer too large", service_fault=False)
    return b"".join(chunks)


def _post(url: str, payload: dict, deadline: float) -> bytes:
    """Runs in a worker thread: POST and read the body, never past ``deadline``."""
    remaining = max(0.1, deadline - time.monotonic())
    headers = {"Authorization": f"Bearer {settings.AI_API_KEY}", "Content-Type": "application/json"}
    try:
        with requests.post(
            url, json=payload, headers=headers, stream=True,
            timeout=(min(CONNECT_TIMEOUT_SECONDS, remaining), remaining),
        ) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise AIFailure("http_error", f"HTTP {response.status_code}", service_fault=True)
            if response.status_code >= 400:
                raise AIFailure("http_error", f"HTTP {response.status_code}", service_fault=False)
            return _read_capped(response, deadline)
    except requests.Timeout as exc:
        raise AIFailure("timeout", str(exc), service_fault=True) from exc
    except requests.RequestException as exc:
        raise AIFailure("connection_error", str(exc), service_fault=True) from exc


def _call(payload: dict) -> bytes:
    cap = settings.AI_TIMEOUT_SECONDS
    deadline = time.monotonic() + cap
    future = _pool().submit(_post, f"{settings.AI_BASE_URL.rstrip('/')}/chat/completions", payload, deadline)
    try:
        return future.result(timeout=cap)
    except FutureTimeout as exc:
        future.cancel()
        raise AIFailure("timeout", f"no answer within {cap}s", service_fault=True) from exc


def _decode(raw: bytes) -> dict:
    try:
        content = json.loads(raw)["choices"][0]["message"]["content"]
        answer = json.loads(content)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise AIFailure("bad_json", f"unreadable answer: {exc}", service_fault=False) from exc
    if not isinstance(answer, dict):
        raise AIFailure("bad_json", "the answer is not a JSON object", service_fault=False)
    return answer


class LlmParser(Parser):
    name = "llm"

    def __init__(self):
        self.fallback = RulesParser()

    def parse(self, text: str, *, language_hint: str = "fr", history: Sequence[str] = ()) -> ParseResult:
        started = time.monotonic()
        try:
            result = self._parse_remote(text, language_hint=language_hint, history=history)
        except BreakerOpen:
            metrics.AI_FALLBACKS.labels(reason="breaker_open").inc()
            return self.fallback.parse(text, language_hint=language_hint)
        except AIFailure as failure:
            self._record_failure(failure, started)
            return self.fallback.parse(text, language_hint=language_hint)
        metrics.AI_PARSE_SECONDS.labels(outcome="ok").observe(time.monotonic() - started)
        return result

    def _parse_remote(self, text: str, *, language_hint: str, history: Sequence[str]) -> ParseResult:
        if not settings.AI_BASE_URL:
            raise AIFailure("not_configured", "AI_BASE_URL is empty", service_fault=False)
        slugs = list(ServiceCategory.objects.values_list("slug", flat=True))
        payload = {
            "model": settings.AI_MODEL,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT % {"slugs": json.dumps(slugs)}},
                # The conversation so far, then the message to read (a reply often only makes sense after them).
                *({"role": "user", "content": earlier} for earlier in history),
                {"role": "user", "content": text},
            ],
        }
        ai = breaker("ai")
        permit = ai.acquire()
        started = time.monotonic()
        try:
            raw = _call(payload)
        except AIFailure as failure:
            ai.record(permit, success=not failure.service_fault, duration=time.monotonic() - started)
            raise
        ai.record(permit, success=True, duration=time.monotonic() - started)
        return self._to_result(_decode(raw), text=text, slugs=slugs, language_hint=language_hint)

    def _to_result(self, answer: dict, *, text: str, slugs: list[str], language_hint: str) -> ParseResult:
        rules = self.fallback.parse(text, language_hint=language_hint)
        category = answer.get("category") if answer.get("category") in slugs else None
        zone_id = None
        if isinstance(answer.get("zone"), str):
            zone_id = find_zone(normalize(answer["zone"]).split())
        language = answer.get("language") if answer.get("language") in texts.LANGUAGES else rules.language
        # The AI's answer goes through the same negation rules as ours: "pas urgent", "pas plombier".
        normalized = normalize(text)
        if category in denied_trades(normalized.split()):
            category = None
        asked = Urgency.URGENT in (answer.get("urgency"), rules.urgency)
        urgency = Urgency.URGENT if asked and not urgency_denied(normalized) else Urgency.NORMAL
        return ParseResult(
            category_slug=category or rules.category_slug,
            zone_id=zone_id or rules.zone_id,
            urgency=urgency,
            description=rules.description,
            language=language,
            language_detected=answer.get("language") in texts.LANGUAGES or rules.language_detected,
            source=self.name,
        )

    def _record_failure(self, failure: AIFailure, started: float) -> None:
        elapsed = time.monotonic() - started
        metrics.AI_FALLBACKS.labels(reason=failure.reason).inc()
        metrics.AI_PARSE_SECONDS.labels(outcome="fallback").observe(elapsed)
        logger.warning("AI parser failed (%s), falling back to rules after %.2fs", failure, elapsed)
        record_error(
            category="ai",
            severity="warning",
            message=f"AI intake parser fell back to rules: {failure}",
            context={"reason": failure.reason, "elapsed_seconds": round(elapsed, 3)},
            exc=failure,
        )
