"""The intake parser interface: free text in, structured slots out. Backends are chosen by AI_BACKEND."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from marketplace.models import Urgency
from reliability import degradation

BACKENDS = {
    "rules": "marketplace.intake.rules.RulesParser",
    "llm": "marketplace.intake.llm.LlmParser",
}


@dataclass(frozen=True)
class ParseResult:
    category_slug: str | None
    zone_id: int | None
    urgency: str = Urgency.NORMAL
    description: str = ""
    language: str = "fr"
    language_detected: bool = False  # False: ``language`` is only the hint, the text had no markers
    source: str = "rules"


class Parser(ABC):
    name: str = ""

    @abstractmethod
    def parse(self, text: str, *, language_hint: str = "fr", history: Sequence[str] = ()) -> ParseResult:
        """Read a client's message (``history``: their earlier messages in this intake, oldest first).

        Never raises for bad input; unknown slots are None.
        """


def get_parser() -> Parser:
    """The parser named by settings.AI_BACKEND ("rules" or "llm", or a dotted class path)."""
    backend = settings.AI_BACKEND
    if backend != "rules" and not degradation.ai_intake_allowed():
        backend = "rules"  # degraded service: the offline parser carries intake (README, Degradation levels)
    return import_string(BACKENDS.get(backend, backend))()


# Parses done before the handler's transaction (conversation.prepare_inbound), taken by the handler.
# Process-local on purpose: prepare and handle run one after the other in the same worker.
PREPARED_MAX = 256
_prepared: dict[str, ParseResult] = {}


def remember_parse(key: str, result: ParseResult) -> None:
    while len(_prepared) >= PREPARED_MAX:
        _prepared.pop(next(iter(_prepared)))
    _prepared[key] = result


def take_parse(key: str) -> ParseResult | None:
    return _prepared.pop(key, None)
