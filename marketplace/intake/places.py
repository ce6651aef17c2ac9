"""Where the job is: quarter names, aliases and landmarks (carrefours, markets, stations), from Zone rows.

When a message names several quarters, the place of the job wins over where the client lives or
works ("J'habite Makepe mais c'est pour chez ma mère à Deido" → Deido) and a denied one loses
("pas Bonapriso, c'est à Akwa" → Akwa).
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from marketplace.intake.text import normalize
from marketplace.models import Zone

WORD_SPAN = re.compile(r"[^\W_]+", re.UNICODE)  # words of the original text, accents kept
MAX_WINDOW = 5  # "stade de la reunification" is five words
FUZZY_MIN = 5  # short names are too easy to hit by chance
CONTEXT = 4
# Words before (or just after) a quarter saying the client is there but the job is elsewhere.
ELSEWHERE_BEFORE = ("habite", "j habite", "je vis", "i live", "live in", "travaille", "bureau", "at work",
                    "work in", "moi je suis", "i m at")
ELSEWHERE_AFTER = ("en ce moment", "right now", "pour le moment")
JOB_BEFORE = ("c est pour", "pour ma", "pour mon", "chez ma", "chez mon", "my house", "my home", "my shop",
              "the job", "ma maison", "ma boutique", "mon appartement", "the work", "la fuite est")


@dataclass(frozen=True)
class ZoneKey:
    zone_id: int
    compact: str


@dataclass(frozen=True)
class Place:
    zone_id: int
    start: int
    end: int


def zone_keys() -> list[ZoneKey]:
    keys = []
    for zone in Zone.objects.only("id", "name", "aliases", "landmarks"):
        for raw in [zone.name, *zone.aliases.split(","), *zone.landmarks.split(",")]:
            compact = normalize(raw).replace(" ", "")
            if compact:
                keys.append(ZoneKey(zone.id, compact))
    # Longer names first, so "new bell" wins over "bell", "cite des palmiers" over "palmiers".
    return sorted(keys, key=lambda k: -len(k.compact))


def _windows(tokens: list[str]) -> list[tuple[int, int, str]]:
    """Every run of 1..MAX_WINDOW consecutive tokens, glued ("pk 8" → "pk8"), longest first."""
    return [
        (i, i + n, "".join(tokens[i:i + n]))
        for n in range(MAX_WINDOW, 0, -1) for i in range(len(tokens) - n + 1)
    ]


def _places(tokens: list[str], keys: list[ZoneKey]) -> list[Place]:
    by_compact = {}
    for key in keys:
        by_compact.setdefault(key.compact, key.zone_id)
    places, taken = [], set()
    for start, end, window in _windows(tokens):
        zone_id = by_compact.get(window)
        if zone_id is not None and not taken.intersection(range(start, end)):
            places.append(Place(zone_id, start, end))
            taken.update(range(start, end))
    return sorted(places, key=lambda p: p.start)


def _fuzzy_place(tokens: list[str], keys: list[ZoneKey]) -> Place | None:
    best, best_ratio = None, 0.0
    for key in keys:
        if len(key.compact) < FUZZY_MIN or any(c.isdigit() for c in key.compact):
            continue  # "pk8" must never become "pk9"
        for start, end, window in _windows(tokens):
            if end - start <= 3 and abs(len(window) - len(key.compact)) <= 2:
                ratio = SequenceMatcher(None, window, key.compact).ratio()
                if ratio >= 0.85 and ratio > best_ratio:
                    best, best_ratio = Place(key.zone_id, start, end), ratio
    return best


def _near(tokens: list[str], start: int, end: int, phrases) -> bool:
    text = f" {' '.join(tokens[max(0, start):end])} "
    return any(f" {phrase} " in text for phrase in phrases)


def _weight(tokens: list[str], place: Place) -> int:
    before, after = place.start - CONTEXT, place.end + 3
    if _denied(tokens, place):
        return -2
    weight = 0
    if _near(tokens, before, place.start, ELSEWHERE_BEFORE) or _near(tokens, place.end, after, ELSEWHERE_AFTER):
        weight -= 1
    if _near(tokens, place.start - 6, place.start, JOB_BEFORE):
        weight += 1
    return weight


def _denied(tokens: list[str], place: Place) -> bool:
    """"pas Bonapriso", "pas à Bonapriso", "ce n'est pas à Bonapriso": the denial sits right before the name."""
    before = tokens[max(0, place.start - 2):place.start]
    return "pas" in before or "not" in before


def find_zone(tokens: list[str]) -> int | None:
    keys = zone_keys()
    places = _places(tokens, keys)
    if not places:
        fuzzy = _fuzzy_place(tokens, keys)
        return fuzzy.zone_id if fuzzy else None
    if len({p.zone_id for p in places}) == 1:
        return places[0].zone_id
    return max(places, key=lambda p: (_weight(tokens, p), -p.start)).zone_id


def rename_place(text: str, zone_id: int, new_name: str) -> str:
    """``text`` with every mention of quarter ``zone_id`` (name, alias, landmark) replaced by ``new_name``."""
    compacts = {key.compact for key in zone_keys() if key.zone_id == zone_id}
    words = list(WORD_SPAN.finditer(text))
    pieces, cursor, i = [], 0, 0
    while i < len(words):
        size = next(
            (n for n in range(min(MAX_WINDOW, len(words) - i), 0, -1)
             if normalize(" ".join(w.group() for w in words[i:i + n])).replace(" ", "") in compacts),
            0,
        )
        if size:
            pieces += [text[cursor:words[i].start()], new_name]
            cursor, i = words[i + size - 1].end(), i + size
        else:
            i += 1
    return "".join([*pieces, text[cursor:]])
