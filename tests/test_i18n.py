"""Both languages, always: every system string has a Finnish and a Swedish translation."""
from __future__ import annotations

import subprocess
import sys

from babel.messages.pofile import read_po

from bot.config import PROJECT_ROOT

LOCALES = PROJECT_ROOT / "locales"


def catalog(path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_template_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_", "-k", "N_",
                    "--no-location", "--sort-output", "--omit-header", "-o", str(fresh), "."],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    assert {m.id for m in catalog(fresh) if m.id} == {m.id for m in catalog(LOCALES / "messages.pot") if m.id}


def test_every_message_is_translated_in_both_languages():
    template = {m.id for m in catalog(LOCALES / "messages.pot") if m.id}
    for lang in ("fi", "sv"):
        translations = {m.id: m.string for m in catalog(LOCALES / lang / "LC_MESSAGES" / "messages.po") if m.id}
        missing = sorted(msgid for msgid in template if not translations.get(msgid))
        assert missing == [], f"{lang}: untranslated {missing}"
        fuzzy = [m.id for m in catalog(LOCALES / lang / "LC_MESSAGES" / "messages.po") if m.id and m.fuzzy]
        assert fuzzy == [], f"{lang}: fuzzy translations need review: {fuzzy}"


def test_placeholders_survive_translation():
    import re

    for lang in ("fi", "sv"):
        for message in catalog(LOCALES / lang / "LC_MESSAGES" / "messages.po"):
            if message.id:
                assert set(re.findall(r"\{\w+\}", message.id)) == set(re.findall(r"\{\w+\}", message.string)), message.id
