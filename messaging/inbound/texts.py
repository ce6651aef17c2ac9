"""What the inbound pipeline itself says to a sender, in French and English.

These few replies are written out per language rather than looked up in the gettext catalogue:
they are sent precisely when something went wrong, so they must not depend on a compiled
translation file being present (a missing .mo would answer a French client in English).
"""

DEFAULT_LANGUAGE = "fr"

_DEAD_LETTER_REPLY = {
    "fr": (
        "Nous avons bien reçu votre message et votre demande est en sécurité. "
        "Un membre de l'équipe Djobea va la traiter et vous recontacter très vite. "
        "Code de suivi : {code}"
    ),
    "en": (
        "We have received your message and your request is safe. "
        "Someone from the Djobea team will handle it and get back to you shortly. "
        "Support code: {code}"
    ),
}


def language_or_default(language: str | None) -> str:
    return language if language in _DEAD_LETTER_REPLY else DEFAULT_LANGUAGE


def dead_letter_reply(*, language: str | None, support_code: str) -> str:
    """The reply sent once a message could not be processed after every retry."""
    return _DEAD_LETTER_REPLY[language_or_default(language)].format(code=support_code)


_HOLDING_REPLY = {
    "fr": (
        "Nous avons bien reçu votre message. Djobea connaît un ralentissement : votre demande est en "
        "sécurité et sera traitée dès que possible."
    ),
    "en": (
        "We have received your message. Djobea is running slowly right now: your request is safe and "
        "will be handled as soon as possible."
    ),
}


_FLOOD_REPLY = {
    "fr": "Nous recevons beaucoup de messages de votre part : nous ne répondrons plus pendant un moment. "
          "Vos messages sont bien enregistrés.",
    "en": "We are receiving a lot of messages from you, so we will stop replying for a while. "
          "Your messages are safely stored.",
}


def flood_reply(*, language: str | None) -> str:
    """The one notice an hour sent to a sender over the flood limit (an auto-responder, usually)."""
    return _FLOOD_REPLY[language_or_default(language)]


def holding_reply(*, language: str | None) -> str:
    """The short reply sent while the service is in critical degradation and messages wait."""
    return _HOLDING_REPLY[language_or_default(language)]
