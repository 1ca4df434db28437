"""Both catalogs are complete: every string in the code and templates has an Indonesian and an English entry."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted_ids():
    method_map = [("marketplace/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords, options_map={}
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def catalog(language):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


@pytest.mark.parametrize("language", ["id", "en"])
def test_catalog_has_every_string_of_the_code(language):
    entries = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
    missing = extracted_ids() - entries
    assert not missing, f"run `make messages` and translate: {sorted(missing)[:10]}"


@pytest.mark.parametrize("language", ["id", "en"])
def test_catalog_entries_are_translated_and_keep_their_placeholders(language):
    problems = []
    for message in catalog(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(("untranslated", source))
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(source)) for s in strings):
            problems.append(("placeholders differ", source))
    assert problems == []


def test_indonesian_really_differs_from_english():
    translated = [m for m in catalog("id") if m.id and m.string != m.id]
    assert len(translated) > 0.8 * len([m for m in catalog("id") if m.id])
