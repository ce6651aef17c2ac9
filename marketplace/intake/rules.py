"""Offline parser: trade keywords and a gazetteer of quarters, both read from the database.

Written for messages as clients in Douala and Yaoundé type them: accents missing, typos,
French and English mixed, emoji. Matching is accent-insensitive and typo-tolerant (difflib).
"""

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from marketplace.intake.base import Parser, ParseResult
from marketplace.models import ServiceCategory, Urgency, Zone

DESCRIPTION_MAX_CHARS = 500

# Emoji say something: turn the useful ones into words before matching (then the rest is dropped).
EMOJI_WORDS = {
    "⚡": " electricite courant ", "💡": " ampoule lumiere ", "🔌": " prise electrique ",
    "💧": " eau fuite ", "🚰": " robinet eau ", "🚿": " douche ", "🚽": " toilettes wc ", "🪠": " plombier ",
    "❄": " frigo ", "🧊": " frigo ", "📺": " television ", "🧺": " machine a laver ",
    "🎨": " peinture ", "🔑": " serrure ", "🔐": " serrure ", "🚗": " voiture ", "🧹": " menage ",
    "🚨": " urgent ", "🆘": " urgent ", "‼": " urgent ", "⏰": " vite ",
}

FRENCH_MARKERS = frozenset(
    "je j ai une un le la les des du de est ma mon mes chez moi pas plus ne depuis besoin il y svp stp "
    "bonjour bonsoir merci et pour avec au aux marche qui dans sur vite coupe mais ca c nous vous maison "
    "panne veux cherche faut fuite eau courant urgence quelqu matin tombe cuisine salle bain"
    .split()
)
ENGLISH_MARKERS = frozenset(
    "i my the is need an in please pls hello hi not working urgently at have there broken with for "
    "thanks our we house home someone looking want fix repair since this morning leaking leak power "
    "water it isnt doesnt dont can t m am get any kitchen bathroom"
    .split()
)
URGENT_PHRASES = (
    "urgent", "urgente", "urgence", "urgently", "urgemment", "vite", "rapidement", "asap", "emergency",
    "depuis ce matin", "depuis hier", "tout de suite", "maintenant", "immediatement", "au secours",
    "au plus vite", "right now", "right away", "immediately", "since this morning", "since yesterday",
    "as soon as possible", "inonde", "inondation", "flooding", "flooded", "danger", "quickly",
)
URGENT_FUZZY = ("urgent", "urgence", "urgently", "emergency", "immediatement")
WORD = re.compile(r"[a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower case, emoji turned into words, accents and punctuation removed, single spaces."""
    text = (text or "").lower()
    for emoji, words in EMOJI_WORDS.items():
        text = text.replace(emoji, words)
    return " ".join(WORD.findall(strip_accents(text)))


def words_match(token: str, keyword: str) -> bool:
    """Exact, a stem ("plomb" → "plomberie"), or a small typo on a long enough word."""
    if token == keyword:
        return True
    if len(keyword) < 5 or any(c.isdigit() for c in keyword):
        return False  # "four" must not match "fournisseur", nor "pk8" "pk9"
    if token.startswith(keyword) and len(token) - len(keyword) <= 4:
        return True
    if abs(len(token) - len(keyword)) > 2:
        return False
    # One wrong letter in a short word is another word ("water"/"later"); long words tolerate more.
    return SequenceMatcher(None, token, keyword).ratio() >= (0.8 if len(keyword) >= 8 else 0.85)


def phrase_at(tokens: list[str], start: int, phrase: list[str]) -> bool:
    window = tokens[start:start + len(phrase)]
    return len(window) == len(phrase) and all(words_match(t, k) for t, k in zip(window, phrase, strict=True))


def phrase_position(tokens: list[str], phrase: list[str]) -> int | None:
    """Index of the first place ``phrase`` occurs in ``tokens`` (typo-tolerant), or None."""
    return next((i for i in range(len(tokens) - len(phrase) + 1) if phrase_at(tokens, i, phrase)), None)


@dataclass(frozen=True)
class ZoneKey:
    zone_id: int
    spaced: str
    compact: str


def zone_keys() -> list[ZoneKey]:
    keys = []
    for zone in Zone.objects.only("id", "name", "aliases"):
        for raw in [zone.name, *zone.aliases.split(",")]:
            spaced = normalize(raw)
            if spaced:
                keys.append(ZoneKey(zone.id, spaced, spaced.replace(" ", "")))
    # Longer names first, so "new bell" wins over "bell", "cite des palmiers" over "palmiers".
    return sorted(keys, key=lambda k: -len(k.compact))


def text_windows(tokens: list[str], max_size: int = 3) -> list[str]:
    """Every run of 1..max_size consecutive tokens, glued ("pk 8" → "pk8")."""
    return ["".join(tokens[i:i + n]) for n in range(1, max_size + 1) for i in range(len(tokens) - n + 1)]


def find_zone(tokens: list[str]) -> int | None:
    keys = zone_keys()
    windows = text_windows(tokens)
    window_set = set(windows)
    for key in keys:
        if key.compact in window_set:
            return key.zone_id
    best, best_ratio = None, 0.0
    for key in keys:
        if len(key.compact) < 5 or any(c.isdigit() for c in key.compact):
            continue  # "pk8" must never become "pk9"; short names are too easy to hit by chance
        for window in windows:
            if abs(len(window) - len(key.compact)) <= 2:
                ratio = SequenceMatcher(None, window, key.compact).ratio()
                if ratio >= 0.85 and ratio > best_ratio:
                    best, best_ratio = key.zone_id, ratio
    return best


def find_category(tokens: list[str]) -> str | None:
    """The trade whose keywords cover most words; on a tie, the one named first ("fridge … cooling")."""
    scores: list[tuple[int, int, str]] = []
    for category in ServiceCategory.objects.only("slug", "keywords", "name_fr", "name_en"):
        phrases = {normalize(k) for k in [*category.keyword_list(), category.name_fr, category.name_en, category.slug]}
        score, first = 0, len(tokens)
        for phrase in filter(None, phrases):
            position = phrase_position(tokens, phrase.split())
            if position is not None:
                score, first = score + len(phrase.split()), min(first, position)
        if score:
            scores.append((-score, first, category.slug))
    return min(scores)[2] if scores else None


def detect_language(tokens: list[str], *, hint: str) -> tuple[str, bool]:
    french = sum(1 for t in tokens if t in FRENCH_MARKERS)
    english = sum(1 for t in tokens if t in ENGLISH_MARKERS)
    if french == english:
        return (hint if hint in ("fr", "en") else "fr"), False
    return ("fr" if french > english else "en"), True


def detect_urgency(normalized: str, tokens: list[str]) -> str:
    padded = f" {normalized} "
    if any(f" {phrase} " in padded for phrase in URGENT_PHRASES):
        return Urgency.URGENT
    for token in tokens:
        for word in URGENT_FUZZY:
            # Same first two letters: "urgant" is urgent, "argent" (money) is not.
            if len(token) >= 5 and token[:2] == word[:2] and SequenceMatcher(None, token, word).ratio() >= 0.8:
                return Urgency.URGENT
    return Urgency.NORMAL


class RulesParser(Parser):
    name = "rules"

    def parse(self, text: str, *, language_hint: str = "fr") -> ParseResult:
        normalized = normalize(text)
        tokens = normalized.split()
        language, detected = detect_language(tokens, hint=language_hint)
        return ParseResult(
            category_slug=find_category(tokens),
            zone_id=find_zone(tokens),
            urgency=detect_urgency(normalized, tokens),
            description=(text or "").strip()[:DESCRIPTION_MAX_CHARS],
            language=language,
            language_detected=detected,
            source=self.name,
        )
