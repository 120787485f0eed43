"""English and Welsh are kept complete: every string in the code has a Welsh translation.

The check extracts the strings afresh (makemessages in a scratch copy of the code) so a new,
untranslated string fails the test even if nobody re-ran makemessages.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "coproduce" / "locale" / "cy" / "LC_MESSAGES" / "django.po"

EXTRACT = """
import django
from django.conf import settings
settings.configure(LOCALE_PATHS=[{locale!r}], INSTALLED_APPS=[], USE_I18N=True)
django.setup()
from django.core.management import call_command
call_command("makemessages", locale=["cy"], ignore_patterns=["tests/*", "*/tests/*"],
             verbosity=0, no_obsolete=True)
"""


@pytest.fixture(scope="module")
def fresh_catalog(tmp_path_factory) -> polib.POFile:
    scratch = tmp_path_factory.mktemp("messages")
    shutil.copytree(
        ROOT / "coproduce",
        scratch / "coproduce",
        ignore=shutil.ignore_patterns("__pycache__", "locale_allauth", "*.mo"),
    )
    locale = scratch / "coproduce" / "locale"
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", EXTRACT.format(locale=str(locale))],
        cwd=scratch,
        check=True,
        capture_output=True,
    )
    return polib.pofile(str(locale / "cy" / "LC_MESSAGES" / "django.po"))


def test_every_string_in_the_code_has_welsh(fresh_catalog):
    missing = [entry.msgid for entry in fresh_catalog if not entry.translated()]
    assert not missing, (
        f"{len(missing)} strings have no Welsh. Run manage.py makemessages -l cy "
        "--ignore=.venv --ignore=node_modules --ignore=*/tests/* --ignore=tests/* --no-obsolete, "
        "translate, compilemessages. First few: " + repr(missing[:10])
    )


def test_the_committed_catalog_has_no_leftovers():
    catalog = polib.pofile(str(CATALOG))
    assert not [entry.msgid for entry in catalog if "fuzzy" in entry.flags]
    assert not catalog.obsolete_entries()
    assert catalog.metadata["Language"] == "cy"


def _entries(catalog: polib.POFile | polib.MOFile) -> dict[tuple[str | None, str], object]:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in catalog
        if entry.msgid and (entry.msgstr or any(entry.msgstr_plural.values()))
    }


def test_the_compiled_catalog_is_current():
    compiled = polib.mofile(str(CATALOG.with_suffix(".mo")))
    assert _entries(compiled) == _entries(polib.pofile(str(CATALOG))), (
        "django.mo is stale: run manage.py compilemessages"
    )


def test_pages_speak_welsh():
    with translation.override("cy"):
        assert translation.gettext("Skip to main content") != "Skip to main content"
        assert translation.gettext("Sign out") != "Sign out"
