"""Short answers: yes/no (OUI/NON, 1/2, accept/refuse, 👍/👎…), commands and request references."""

import re
from enum import StrEnum

from marketplace.intake.rules import normalize

ANSWER_EMOJI = {"👍": " oui ", "✅": " oui ", "👌": " oui ", "✔": " oui ", "👎": " non ", "❌": " non ", "🚫": " non "}
NO_PHRASES = ("pas dispo", "pas disponible", "indisponible", "not available", "je ne peux pas", "cannot", "can t")


def _collapse(word: str) -> str:
    """"ouiii" → "oui", "yesss" → "yes", "nooon" → "non": people stretch their answers."""
    return re.sub(r"(.)\1+", r"\1", word)


YES_WORDS = frozenset(_collapse(w) for w in (
    "oui ok okay okey oky accept accepte accepter accepted acceptee accord dacord dac dacc yep yeah yup yes y "
    "ouais wi sure confirm confirme confirmer confirmed go valide valider 1"
).split())
NO_WORDS = frozenset(_collapse(w) for w in (
    "non no n nope nah refuse refuser refused refusee decline declined declines occupe busy 2"
).split())
COMMAND_WORDS = {
    "status": frozenset({"status", "statut", "etat", "suivi"}),
    "cancel": frozenset({"annuler", "annule", "annulation", "cancel", "cancelled"}),
    "help": frozenset({"aide", "help", "menu", "info", "aidez"}),
}
DONE_WORDS = frozenset(
    "termine terminee termines fini finie finis acheve achevee done finished completed complete".split()
)
COMMAND_LANGUAGE = {"status": "en", "statut": "fr", "cancel": "en", "annuler": "fr", "help": "en", "aide": "fr"}
REFERENCE = re.compile(r"\bdjb ?0*(\d{1,9})\b")


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


def _tokens(text: str) -> list[str]:
    text = text or ""
    for emoji, word in ANSWER_EMOJI.items():
        text = text.replace(emoji, word)
    return REFERENCE.sub(" ", normalize(text)).split()


def interpret_answer(text: str) -> Answer | None:
    """YES, NO, or None when the message is not a clear answer (the first answer word decides)."""
    tokens = _tokens(text)
    padded = f" {' '.join(tokens)} "
    if any(f" {phrase} " in padded for phrase in NO_PHRASES):
        return Answer.NO
    for token in tokens[:4]:
        word = _collapse(token)
        if word in YES_WORDS:
            return Answer.YES
        if word in NO_WORDS:
            return Answer.NO
    return None


def detect_command(text: str) -> tuple[str, str | None] | None:
    """("status" | "cancel" | "help", the language the word belongs to) for a short command message."""
    tokens = _tokens(text)
    if not tokens or len(tokens) > 4:
        return None
    for token in tokens:
        for command, words in COMMAND_WORDS.items():
            if token in words:
                return command, COMMAND_LANGUAGE.get(token)
    return None


def reports_done(text: str) -> bool:
    """A short message saying the job is finished ("TERMINÉ", "fini DJB-000042", "done")."""
    tokens = _tokens(text)
    return 0 < len(tokens) <= 4 and any(token in DONE_WORDS for token in tokens)


def extract_reference(text: str) -> int | None:
    """The request id in "OUI DJB-000042" / "annuler djb42", or None."""
    match = REFERENCE.search(normalize(text or ""))
    return int(match.group(1)) if match else None


def has_words(text: str) -> bool:
    """False for emoji-only or punctuation-only messages."""
    return bool(normalize(text or "").strip())
