"""Short answers read as a person would: yes/no, "done", commands and request references.

Whole words and short phrases only, never a letter inside a sentence ("il y a" holds no "y"); a
negation turns a yes into a no ("pas d'accord", "not ok"); a question is not an answer ("OK ?");
digits count only alone ("1", "2 DJB-000042"). A message that holds both a yes and a no, or
neither, is not an answer: the caller asks one short question and changes nothing.
"""

import re
from enum import StrEnum

from marketplace.intake.text import normalize

ANSWER_EMOJI = {"👍": " oui ", "✅": " oui ", "👌": " oui ", "✔": " oui ", "👎": " non ", "❌": " non ", "🚫": " non "}


def _collapse(word: str) -> str:
    """"ouiii" → "oui", "yesss" → "yes", "nooon" → "non": people stretch their answers."""
    return re.sub(r"(.)\1+", r"\1", word)


# "don't", "isn't", "can't" arrive as "don t", "isn t", "can t" once punctuation is gone.
CONTRACTED_NOT = re.compile(r"\b(do|does|did|is|was|are|were|has|have|had|wo|ca|could|would|should)n t\b")


def _words(text: str) -> list[str]:
    return [_collapse(word) for word in CONTRACTED_NOT.sub(r"\1 not", text).split()]


def _phrases(text: str) -> tuple[tuple[str, ...], ...]:
    """Comma-separated phrases, each as a tuple of stretched-then-collapsed words, longest first."""
    phrases = {tuple(_words(phrase)) for phrase in text.split(",") if phrase.strip()}
    return tuple(sorted(phrases, key=len, reverse=True))


# Phrases that look negative but say yes: read them first, so their "pas"/"no" is not a negation.
YES_IDIOMS = _phrases("pas de probleme, pas de souci, pas de soucis, no problem, no wahala, no worries, sans souci, "
                      "pas de blem, no p")
YES_PHRASES = _phrases(
    "oui, ok, okay, okey, oky, yes, yep, yeah, yup, ouais, wi, sure, accept, accepte, accepter, accepted, "
    "acceptee, j accepte, i accept, d accord, dacord, dac, dacc, je prends, je le prends, i take it, i go come, "
    "confirme, confirmer, confirm, confirmed, valide, valider, c est bon, ca marche, je suis dispo, "
    "je suis disponible, i am available, j arrive, on y va, go"
)
NO_PHRASES = _phrases(
    "non, no, nope, nah, refuse, refuser, refused, refusee, je refuse, decline, declined, declines, occupe, busy, "
    "pas dispo, pas disponible, indisponible, not available, unavailable, je ne peux pas, je peux pas, "
    "i can t, i cannot, cannot, can t, trop de travail, too much work, i no fit, no fit"
)
NEGATIONS = frozenset("pas pa ne n not never jamais dont isnt aint".split())
LONE_DIGITS = {"1": "yes", "2": "no"}

COMMAND_WORDS = {
    "status": frozenset({"status", "statut", "etat", "suivi"}),
    "cancel": frozenset({"annuler", "annule", "annulation", "cancel", "cancelled"}),
    "help": frozenset({"aide", "help", "menu", "info", "aidez"}),
}
COMMAND_LANGUAGE = {"status": "en", "statut": "fr", "cancel": "en", "annuler": "fr", "help": "en", "aide": "fr"}
DONE_WORDS = _phrases(
    "termine, terminee, termines, fini, finie, finis, acheve, achevee, done, finished, completed, complete, "
    "c est fait, travail fait, job don finish, don finish"
)
# "je finis dans 1h", "done tomorrow": a promise, not a report.
NOT_YET = _phrases("encore, yet, en cours, bientot, soon, presque, almost, still, dans, demain, tomorrow, will, vais, "
                   "later, apres, tout a l heure")
REFERENCE = re.compile(r"\bdjb ?0*(\d{1,9})\b")
MAX_DONE_WORDS = 8


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


class DoneReport(StrEnum):
    DONE = "done"  # "TERMINÉ", "fini DJB-000042", "job finished"
    NOT_YET = "not_yet"  # "pas encore fini", "not done yet"
    ASKING = "asking"  # "Terminé ?": a question, not a report


def _normalized(text: str) -> str:
    text = text or ""
    for emoji, word in ANSWER_EMOJI.items():
        text = text.replace(emoji, word)
    return REFERENCE.sub(" ", normalize(text))


def _tokens(text: str) -> list[str]:
    return _words(_normalized(text))


def _find(tokens: list[str], phrases) -> list[tuple[int, int]]:
    """(start, end) of every non-overlapping occurrence of ``phrases`` in ``tokens``, left to right."""
    spans, i = [], 0
    while i < len(tokens):
        match = next((p for p in phrases if tuple(tokens[i:i + len(p)]) == p), None)
        if match:
            spans.append((i, i + len(match)))
            i += len(match)
        else:
            i += 1
    return spans


def _negated(tokens: list[str], start: int, end: int) -> bool:
    """A negation just before the phrase ("pas d'accord", "not ok") or right after it ("accepte pas")."""
    before = tokens[max(0, start - 2):start]
    return any(t in NEGATIONS for t in before) or (end < len(tokens) and tokens[end] in NEGATIONS)


def interpret_answer(text: str) -> Answer | None:
    """YES or NO when the message clearly says so, else None (unclear, mixed, or a question)."""
    if "?" in (text or ""):
        return None
    tokens = _tokens(text)
    if len(tokens) == 1 and tokens[0] in LONE_DIGITS:
        return Answer(LONE_DIGITS[tokens[0]])
    idioms = _find(tokens, YES_IDIOMS)
    rest = [t if not any(s <= i < e for s, e in idioms) else "_" for i, t in enumerate(tokens)]
    said = {"yes"} if idioms else set()
    for start, end in _find(rest, YES_PHRASES):
        said.add("no" if _negated(rest, start, end) else "yes")
    if _find(rest, NO_PHRASES):
        said.add("no")
    return Answer(said.pop()) if len(said) == 1 else None


def read_done(text: str) -> DoneReport | None:
    """What a provider's short message says about the job being finished, if anything."""
    tokens = _tokens(text)
    if not tokens or len(tokens) > MAX_DONE_WORDS or not _find(tokens, DONE_WORDS):
        return None
    if "?" in text:
        return DoneReport.ASKING
    if any(t in NEGATIONS for t in tokens) or _find(tokens, NOT_YET):
        return DoneReport.NOT_YET
    return DoneReport.DONE


def detect_command(text: str) -> tuple[str, str | None] | None:
    """("status" | "cancel" | "help", the language the word belongs to) for a short command message."""
    tokens = _normalized(text).split()
    if not tokens or len(tokens) > 4:
        return None
    for token in tokens:
        for command, words in COMMAND_WORDS.items():
            if token in words:
                return command, COMMAND_LANGUAGE.get(token)
    return None


def extract_reference(text: str) -> int | None:
    """The request id in "OUI DJB-000042" / "annuler djb42", or None."""
    match = REFERENCE.search(normalize(text or ""))
    return int(match.group(1)) if match else None


def has_words(text: str) -> bool:
    """False for emoji-only or punctuation-only messages."""
    return bool(normalize(text or "").strip())
