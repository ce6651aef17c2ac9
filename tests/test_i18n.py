"""core.i18n: messages stored untranslated, rendered in the active language."""

from django.utils import translation
from django.utils.translation import gettext_noop

from core.i18n import label, render, stored, text


def test_a_message_renders_in_the_active_language_with_its_parameters():
    message = text(gettext_noop("Circuit breaker “%(name)s” is open"), name="sms")
    with translation.override("fr"):
        assert render(message) == "Le disjoncteur « sms » est ouvert"
    with translation.override("en"):
        assert render(message) == "Circuit breaker “sms” is open"


def test_nested_messages_labels_and_lists_render_too():
    reason = text(gettext_noop("search deadline passed"))
    message = text(gettext_noop("%(reference)s needs staff: %(reason)s"), reference="DJB-000042", reason=reason)
    rate = text(gettext_noop("%(rate)s %% of %(total)s final outcomes delivered in the last hour."),
                rate=label("decimal", 57.14), total=7)
    with translation.override("en"):
        assert render(message) == "DJB-000042 needs staff: search deadline passed"
        assert render([rate, reason]).startswith("57.1 % of 7 final outcomes")
    with translation.override("fr"):
        assert render(rate).startswith("57,1 %")
        assert render(text("%(what)s", what=label("no-such-kind", "raw"))) == "raw"


def test_no_message_falls_back_to_the_text_as_written():
    assert render({}, fallback="Ancien texte") == "Ancien texte"
    assert stored("plain text") == ({}, "plain text")
    with translation.override("fr"):
        assert stored(text(gettext_noop("back to matching")))[1] == "retour à la recherche"

