"""Text as the rules read it: lower case, emoji turned into words, accents and punctuation gone.

Matching is whole words, stems ("plomb" → "plomberie") and small typos on long words only, so a
word of one language never passes for a near-spelling of another ("maison" is not "mason").
"""

import re
import unicodedata
from difflib import SequenceMatcher

# Emoji say something: turn the useful ones into words before matching (then the rest is dropped).
EMOJI_WORDS = {
    "⚡": " electricite courant ", "💡": " ampoule lumiere ", "🔌": " prise electrique ",
    "💧": " eau fuite ", "🚰": " robinet eau ", "🚿": " douche ", "🚽": " toilettes wc ", "🪠": " plombier ",
    "❄": " froid ", "🧊": " frigo ", "📺": " television ", "🧺": " machine a laver ",
    "🎨": " peinture ", "🔑": " cle ", "🔐": " serrure ", "🚗": " voiture ", "🧹": " menage ",
    "🚨": " urgent ", "🆘": " urgent ", "‼": " urgent ", "⏰": " vite ",
}
WORD = re.compile(r"[a-z0-9]+")
STEM_MIN = 5  # "four" must not match "fournisseur"
TYPO_MIN = 7  # one wrong letter in a shorter word is another word ("water"/"later", "maison"/"mason")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower case, emoji turned into words, accents and punctuation removed, single spaces."""
    text = (text or "").lower()
    for emoji, words in EMOJI_WORDS.items():
        text = text.replace(emoji, words)
    return " ".join(WORD.findall(strip_accents(text)))


def words_match(token: str, keyword: str, *, exact_words: frozenset = frozenset()) -> bool:
    """Exact, a stem, or a small typo on a long keyword; never a fuzzy match for a word we know as itself."""
    if token == keyword:
        return True
    if len(keyword) < STEM_MIN or any(c.isdigit() for c in keyword) or token in exact_words:
        return False
    if token.startswith(keyword) and len(token) - len(keyword) <= 4:
        return True
    if len(keyword) < TYPO_MIN or abs(len(token) - len(keyword)) > 2:
        return False
    return SequenceMatcher(None, token, keyword).ratio() >= (0.8 if len(keyword) >= 8 else 0.85)


def find_phrase(tokens: list[str], phrase: list[str], *, exact_words: frozenset = frozenset()) -> list[int]:
    """Every index where ``phrase`` starts in ``tokens``."""
    size = len(phrase)
    return [
        i for i in range(len(tokens) - size + 1)
        if all(words_match(t, k, exact_words=exact_words) for t, k in zip(tokens[i:i + size], phrase, strict=True))
    ]


def has_phrase(normalized: str, phrases) -> bool:
    padded = f" {normalized} "
    return any(f" {phrase} " in padded for phrase in phrases)
