"""Sentences stored untranslated and rendered in the reader's language.

A row that shows staff a sentence (an alert's title and detail, a request event's note) stores it as a
*message*: its English msgid and its parameters, JSON-ready, not the sentence rendered in whatever language
its writer ran (the task cluster runs in ``LANGUAGE_CODE``, French). ``render`` translates it when someone
reads it: the admin, the dashboard and the API in the reader's language, staff emails in ``LANGUAGE_CODE``.

Writers mark their msgids with ``gettext_noop`` so ``makemessages`` finds them::

    text(gettext_noop("%(reference)s needs staff: %(reason)s"), reference=ref, reason=text(gettext_noop("…")))

A parameter that is itself translatable (a trade, a status, a channel, a level) is stored as its code with
``label(kind, code)``; the app that owns the kind says how it reads (``register_label``). A parameter may
also be a message. A list of messages renders as sentences one after the other.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import TextChoices
from django.utils.formats import number_format
from django.utils.translation import gettext

Message = dict | list  # {"msgid": str, "params": {...}} or a list of those; {} or [] is no message
_LABELS: dict[str, Callable[[Any], str]] = {"decimal": lambda value: number_format(value, 1)}


def text(msgid: str, **params) -> dict:
    return {"msgid": str(msgid), "params": params}


def stored(value: str | Message) -> tuple[Message, str]:
    """What a row keeps of ``value``: its message (none for plain text) and its text as written now."""
    if isinstance(value, str):
        return {}, value
    return value, render(value)


def label(kind: str, code) -> dict:
    return {"label": kind, "code": code}


def register_label(kind: str, read: Callable[[Any], str]) -> None:
    """``read(code)`` gives the label of ``code`` in the active language."""
    _LABELS[kind] = read


def register_choices(kind: str, choices: type[TextChoices]) -> None:
    register_label(kind, lambda code: str(choices(code).label) if code in choices.values else str(code))


def render(message: Message | None, *, fallback: str = "") -> str:
    """The message in the active language; ``fallback`` (the text stored before messages) when there is none."""
    if isinstance(message, list):
        return " ".join(render(part) for part in message) or fallback
    if not message:
        return fallback
    params = {name: _param(value) for name, value in message.get("params", {}).items()}
    # msgfmt (compilemessages) checks that a python-format translation keeps the msgid's placeholders.
    return gettext(message["msgid"]) % params if params else gettext(message["msgid"])


def _param(value):
    if isinstance(value, list) or (isinstance(value, dict) and "msgid" in value):
        return render(value)
    if isinstance(value, dict) and "label" in value:
        if value["code"] is None:
            return "—"
        read = _LABELS.get(value["label"])
        return read(value["code"]) if read else str(value["code"])
    return value
