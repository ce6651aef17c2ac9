"""Languages are data: every language Djobea speaks has every text, with the same placeholders."""

import string

from marketplace import texts


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_every_text_with_the_same_placeholders():
    default = texts.LANGUAGES[texts.DEFAULT_LANGUAGE]
    for code, language in texts.LANGUAGES.items():
        assert language.TEXTS.keys() == default.TEXTS.keys(), code
        assert language.STATUS_NAMES.keys() == default.STATUS_NAMES.keys(), code
        for key, template in default.TEXTS.items():
            assert placeholders(language.TEXTS[key]) == placeholders(template), (code, key)


def test_a_language_we_do_not_speak_falls_back_to_the_default():
    assert texts.render("cancel_nothing", "de") == texts.render("cancel_nothing", texts.DEFAULT_LANGUAGE)
    assert texts.status_name("searching", "en") == "looking for a provider"
