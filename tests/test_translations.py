"""Every user-facing string exists in French and in English.

gettext strings are written in English; regenerating the French catalogue from the code (as README says:
makemessages) must leave no entry untranslated or fuzzy. The texts sent to clients and providers are
written in both languages in marketplace/texts/ (one module per language) and messaging/inbound/texts.py.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns(".venv", ".git", "__pycache__", "staticfiles", "test-artifacts", "*.sqlite3*",
                                 "prometheus-multiproc", ".ruff_cache", ".pytest_cache")


def _unquote(block: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))


def _missing(po_text: str) -> list[str]:
    missing = []
    for entry in po_text.split("\n\n")[1:]:
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, re.M)
        flags = " ".join(line for line in entry.splitlines() if line.startswith("#,"))
        if msgid and ("fuzzy" in flags or any(not _unquote(m) for m in msgstrs)):
            missing.append(_unquote(msgid.group(1))[:80])
    return missing


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext (apt-get install -y gettext)")
def test_every_gettext_string_of_the_code_has_its_french_translation(tmp_path):
    copy = tmp_path / "djobea"
    shutil.copytree(ROOT, copy, ignore=IGNORED)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--ignore=.venv", "--ignore=tests",
         "--ignore=benchmarks", "--no-location"],
        cwd=copy, check=True, capture_output=True, timeout=300,
    )
    regenerated = (copy / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert _missing(regenerated) == []


def test_the_committed_catalogue_is_complete():
    assert _missing((ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")) == []


def test_messages_to_clients_and_providers_exist_in_both_languages():
    from marketplace import texts
    from messaging.inbound import texts as inbound_texts

    # marketplace/texts/ keeps one module per language (languages as data): regroup them by key.
    keys = set().union(*(language.TEXTS for language in texts.LANGUAGES.values()))
    tables = {"marketplace.texts": {
        key: {code: language.TEXTS.get(key) for code, language in texts.LANGUAGES.items()} for key in keys
    }}
    tables.update({name: {name: value} for name, value in vars(inbound_texts).items()
                   if name.isupper() and isinstance(value, dict)})
    for module, table in tables.items():
        for key, languages in table.items():
            assert languages.get("fr") and languages.get("en"), f"{module}: {key}"


def test_a_missing_translation_is_caught():
    entry = 'msgid ""\nmsgstr ""\n\n#, fuzzy\nmsgid "Open"\nmsgstr "Ouvert"\n\nmsgid "Close"\nmsgstr ""\n'
    assert _missing(entry) == ["Open", "Close"]
