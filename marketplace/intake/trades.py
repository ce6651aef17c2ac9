"""Which trade a message asks for: keywords read from ServiceCategory, scored by distinct mentions.

Each keyword occurrence counts once, however long ("ne refroidit plus" weighs as much as "clim"),
and a word belongs to one phrase only: the longest phrase that covers it wins across trades, so a
symptom binds to the trade it names ("fuite de gaz" is the air conditioner's, not the plumber's)
and spelling variants of one word count once. On a tie, the trade named first wins.
"""

from dataclasses import dataclass

from marketplace.intake.text import find_phrase, normalize
from marketplace.models import ServiceCategory

NEGATIONS = frozenset({"pas", "not"})
ARTICLES = frozenset({"le", "la", "l", "un", "une", "a", "an", "the"})


@dataclass(frozen=True)
class Mention:
    slug: str
    start: int
    end: int


def trade_phrases() -> dict[str, set[tuple[str, ...]]]:
    phrases = {}
    for category in ServiceCategory.objects.only("slug", "keywords", "name_fr", "name_en"):
        words = [*category.keyword_list(), category.name_fr, category.name_en, category.slug]
        phrases[category.slug] = {tuple(normalize(word).split()) for word in words if normalize(word)}
    return phrases


def _mentions(tokens: list[str], phrases: dict[str, set[tuple[str, ...]]]) -> list[Mention]:
    exact_words = frozenset(word for slug_phrases in phrases.values() for phrase in slug_phrases for word in phrase)
    found = [
        Mention(slug, start, start + len(phrase))
        for slug, slug_phrases in phrases.items()
        for phrase in slug_phrases
        for start in find_phrase(tokens, list(phrase), exact_words=exact_words)
    ]
    found.sort(key=lambda m: (-(m.end - m.start), m.start))
    claimed: dict[int, tuple[int, int]] = {}
    kept = []
    for mention in found:
        span = (mention.start, mention.end)
        if all(claimed.get(i, span) == span for i in range(*span)):
            claimed.update({i: span for i in range(*span)})
            kept.append(mention)
    return kept


def _denied(tokens: list[str], start: int) -> bool:
    """"pas plombier", "pas le plombier", "not an electrician" (but "pas de courant" is a phrase of its own)."""
    before = tokens[max(0, start - 2):start]
    return bool(before) and (before[-1] in NEGATIONS or (len(before) == 2 and before[0] in NEGATIONS
                                                          and before[1] in ARTICLES))


def denied_trades(tokens: list[str]) -> set[str]:
    return {m.slug for m in _mentions(tokens, trade_phrases()) if _denied(tokens, m.start)}


def find_category(tokens: list[str]) -> str | None:
    """The trade with the most distinct mentions, denied ones left out; on a tie, the one named first."""
    scores: dict[str, tuple[set, int]] = {}
    for mention in _mentions(tokens, trade_phrases()):
        if _denied(tokens, mention.start):
            continue
        spans, first = scores.get(mention.slug, (set(), len(tokens)))
        scores[mention.slug] = (spans | {mention.start}, min(first, mention.start))
    if not scores:
        return None
    return min(scores, key=lambda slug: (-len(scores[slug][0]), scores[slug][1]))
