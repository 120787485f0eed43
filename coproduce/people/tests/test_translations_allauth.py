"""The Welsh catalog for django-allauth's own strings (coproduce/locale_allauth) is complete.

allauth ships no Welsh, so we keep one; scripts/allauth_messages.sh refreshes its msgids
after an allauth upgrade, and these tests fail until every new msgid is translated.
See docs/translations.md.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation

LC_MESSAGES = Path(__file__).resolve().parents[2] / "locale_allauth" / "cy" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# The rule Django's own cy catalog uses (django/conf/locale/cy/LC_MESSAGES/django.po).
WELSH_PLURAL_FORMS = "nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;"
WELSH_NPLURALS = 4

# %(name)s and %d style, {name} str.format style, and HTML tags with their attributes.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|</?[a-zA-Z][^>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def _unquote(text: str) -> str:
    return str(ast.literal_eval(text.strip()))


def parse_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """A small .po reader: returns the header fields and the (non-obsolete) entries."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current.line:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue  # obsolete entries are not used
        elif line.startswith("#,"):
            if current.line and target is not None:
                finish()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation without a keyword"
            kind, index = target
            if kind == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, kind, getattr(current, kind) + _unquote(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
            if not current.line:
                current.line = number
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                target = ("msgstr", int(match.group(1)))
                current.msgstr[target[1]] = _unquote(value)
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                current.msgstr[0] = _unquote(value)
            elif keyword in ("msgctxt", "msgid", "msgid_plural"):
                target = (keyword, 0)
                setattr(current, keyword, _unquote(value))
            else:
                raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()

    header_entries = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(header_entries) == 1, "the catalog must have exactly one header"
    header = dict(
        (key.strip(), value.strip())
        for key, _, value in (
            row.partition(":") for row in header_entries[0].msgstr[0].splitlines() if row
        )
    )
    return header, [e for e in entries if e not in header_entries]


HEADER, ENTRIES = parse_po(PO_PATH)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def test_catalog_is_welsh_with_djangos_plural_rule():
    assert HEADER["Language"] == "cy"
    assert HEADER["Plural-Forms"] == WELSH_PLURAL_FORMS
    assert HEADER["Content-Type"] == "text/plain; charset=UTF-8"


def test_catalog_has_allauths_strings():
    msgids = {e.msgid for e in ENTRIES}
    for msgid in ("Sign In", "Sign Out", "Password", "Two-Factor Authentication"):
        assert msgid in msgids
    assert len(ENTRIES) > 200


def test_no_entry_is_fuzzy():
    fuzzy = [e.label for e in ENTRIES if "fuzzy" in e.flags]
    assert fuzzy == [], "translate these and remove their fuzzy flag"


def test_every_entry_is_translated_in_every_plural_form():
    untranslated = []
    for entry in ENTRIES:
        expected = range(WELSH_NPLURALS) if entry.msgid_plural is not None else range(1)
        if sorted(entry.msgstr) != list(expected) or not all(
            entry.msgstr[index].strip() for index in expected
        ):
            untranslated.append(entry.label)
    assert untranslated == []


def test_placeholders_and_markup_are_kept():
    mismatched = []
    for entry in ENTRIES:
        for index, msgstr in entry.msgstr.items():
            source = entry.msgid if entry.msgid_plural is None or index == 0 else entry.msgid_plural
            if placeholders(msgstr) != placeholders(source):
                mismatched.append(f"{entry.label} msgstr[{index}]")
            if msgstr.startswith("\n") != source.startswith("\n") or msgstr.endswith(
                "\n"
            ) != source.endswith("\n"):
                mismatched.append(f"{entry.label} msgstr[{index}] (leading/trailing newline)")
    assert mismatched == []


def test_compiled_catalog_matches_the_po_file():
    assert MO_PATH.exists(), "run: .venv/bin/python manage.py compilemessages"
    with MO_PATH.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    stale = []
    for entry in ENTRIES:
        if entry.msgid_plural is not None:
            for n, index in ((1, 0), (2, 1), (3, 2), (8, 3)):
                if entry.msgctxt is not None:
                    got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                else:
                    got = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                if got != entry.msgstr[index]:
                    stale.append(f"{entry.label} n={n}")
        else:
            if entry.msgctxt is not None:
                got = compiled.pgettext(entry.msgctxt, entry.msgid)
            else:
                got = compiled.gettext(entry.msgid)
            if got != entry.msgstr[0]:
                stale.append(entry.label)
    assert stale == [], "django.mo is stale: run manage.py compilemessages"


def test_django_finds_the_allauth_catalog():
    with translation.override("cy"):
        sign_in = translation.gettext("Sign In")
        field_label = translation.pgettext("field label", "Login")
        keys = translation.ngettext(
            "You have added %(count)s security key.", "You have added %(count)s security keys.", 3
        ) % {"count": 3}
    assert sign_in == "Mewngofnodi", (
        "allauth's login page is not in Welsh: settings.LOCALE_PATHS must include "
        'BASE_DIR / "coproduce" / "locale_allauth"'
    )
    assert field_label == "Manylion mewngofnodi"
    assert keys == "Rydych chi wedi ychwanegu 3 allwedd ddiogelwch."
