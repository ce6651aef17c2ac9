"""Every message Djobea sends, per language; languages are data.

``LANGUAGES`` is the one list of languages Djobea speaks (the first is the default); each has a
module here with ``TEXTS`` (text key → template) and ``STATUS_NAMES``. Adding a language is adding
its module and one line below (tests/marketplace/test_texts.py checks every key is translated).
``render(key, language, **params)`` picks the text by the recipient's language; a language Djobea
does not speak falls back to the default.
"""

from types import ModuleType

from marketplace.texts import en, fr

LANGUAGES: dict[str, ModuleType] = {"fr": fr, "en": en}
DEFAULT_LANGUAGE = next(iter(LANGUAGES))


def supported(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def render(key: str, language: str, **params) -> str:
    return LANGUAGES[supported(language)].TEXTS[key].format(**params)


def status_name(status: str, language: str) -> str:
    return LANGUAGES[supported(language)].STATUS_NAMES.get(status, status)
