"""Is it urgent? Words that ask for speed, emergencies that need no word, and urgency denied.

"pas urgent", "no rush", "ça peut attendre" win over everything; then explicit urgency ("vite",
"ce soir", "now now", "c urgt"), implied emergencies (water everywhere, sparks, a burning smell,
locked out) and the project's rule that a fault lasting since this morning or yesterday is urgent.
"""

from difflib import SequenceMatcher

from marketplace.intake.text import has_phrase
from marketplace.models import Urgency

NOT_URGENT = (
    "pas urgent", "pa urgent", "pas urgente", "pas d urgence", "rien d urgent", "not urgent", "nothing urgent",
    "non urgent", "no rush", "no hurry", "pas presse", "pas pressee", "peut attendre", "not an emergency",
    "pas une urgence", "whenever you can", "quand vous pouvez",
)
URGENT_PHRASES = (
    # asked for
    "urgent", "urgente", "urgence", "urgently", "urgemment", "urgt", "urgen", "vite", "rapide", "rapidement", "asap",
    "emergency", "quick", "quickly", "hurry", "now now", "tout de suite", "maintenant", "immediatement",
    "au secours", "au plus vite", "right now", "right away", "immediately", "as soon as possible",
    "des que possible", "ce soir", "aujourd hui meme", "today today",
    # lasting since this morning or yesterday (the project's parser table counts these as urgent)
    "depuis ce matin", "depuis hier", "dpuis ce matin", "dpuis hier", "since this morning", "since yesterday",
    "since morning",
    # implied emergencies
    "inonde", "inondation", "flooding", "flooded", "danger", "coule partout", "fuit partout", "eau partout",
    "eau partt", "everywhere", "etincelle", "etincelles", "spark", "sparks", "di spark", "odeur de brule",
    "sent le brule", "burning smell", "smell of burning", "fument", "fume", "smoke", "smoking", "deborde",
    "overflowing", "fuite de gaz", "gas leak", "va pourrir", "bloque dehors", "enferme dehors", "locked out",
    "no fit enter", "peux pas rentrer", "porte a claque", "je suis dehors",
)
URGENT_FUZZY = ("urgent", "urgence", "urgently", "emergency", "immediatement")


def urgency_denied(normalized: str) -> bool:
    return has_phrase(normalized, NOT_URGENT)


def detect_urgency(normalized: str, tokens: list[str]) -> str:
    if urgency_denied(normalized):
        return Urgency.NORMAL
    if has_phrase(normalized, URGENT_PHRASES):
        return Urgency.URGENT
    for token in tokens:
        for word in URGENT_FUZZY:
            # Same first two letters: "urgant" is urgent, "argent" (money) is not.
            if len(token) >= 5 and token[:2] == word[:2] and SequenceMatcher(None, token, word).ratio() >= 0.8:
                return Urgency.URGENT
    return Urgency.NORMAL
