"""Offline parser: trade keywords, a gazetteer of quarters and landmarks, urgency words.

Written for messages as clients in Douala and Yaoundé type them: accents missing, typos, SMS
spellings, French, Pidgin and English mixed, emoji. The pieces live in text, trades, places and
urgency; this module puts them together and guesses the language.
"""

from collections.abc import Sequence

from marketplace import texts
from marketplace.intake.base import Parser, ParseResult
from marketplace.intake.places import find_zone
from marketplace.intake.text import normalize
from marketplace.intake.trades import find_category
from marketplace.intake.urgency import detect_urgency

DESCRIPTION_MAX_CHARS = 500

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

def detect_language(tokens: list[str], *, hint: str) -> tuple[str, bool]:
    french = sum(1 for t in tokens if t in FRENCH_MARKERS)
    english = sum(1 for t in tokens if t in ENGLISH_MARKERS)
    if french == english:
        return texts.supported(hint), False
    return ("fr" if french > english else "en"), True


class RulesParser(Parser):
    name = "rules"

    def parse(self, text: str, *, language_hint: str = "fr", history: Sequence[str] = ()) -> ParseResult:
        """The latest message alone: the intake session keeps what earlier ones said."""
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
