"""Every offered language has a complete, compiled message catalogue.

makemessages runs on a copy of the source in a temporary directory (it
would otherwise rewrite locale/ in place), so a string wrapped in gettext
but not yet translated, or left fuzzy by a merge, fails here rather than
showing English on a Dutch page. The committed .mo must match the .po (the
Docker image and `pytest` without `make` use it).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SOURCES = ("apps", "config", "templates", "locale", "manage.py")
# Same ignores as docs/i18n.md gives for a manual run.
IGNORES = ("_components_demo.html", "components_demo.py")

SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    if not shutil.which("msgfmt") or not shutil.which("xgettext"):
        _no_gettext()
    work = tmp_path_factory.mktemp("messages")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, work / name)
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"]
    command += [f"--locale={code}" for code in SHIPPED]
    command += [f"--ignore={pattern}" for pattern in IGNORES]
    subprocess.run(command, cwd=work, check=True, capture_output=True, env=_env(), timeout=120)
    return work / "locale"


def _no_gettext() -> None:
    # CI (REQUIRE_SERVICES) installs gettext: there a missing msgfmt fails.
    if getattr(settings, "REQUIRE_SERVICES", False):
        pytest.fail("REQUIRE_SERVICES is set but gettext is not installed")
    pytest.skip("gettext is not installed (apt-get install gettext)")


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    return env


def test_only_languages_with_catalogues_are_offered():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "nl"]
    for code in SHIPPED:
        assert (ROOT / "locale" / code / "LC_MESSAGES" / "django.po").is_file()


@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_is_translated_and_none_is_fuzzy(fresh_catalogues, language):
    po = polib.pofile(str(fresh_catalogues / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy: {fuzzy[:10]}"


@pytest.mark.parametrize("language", SHIPPED)
def test_committed_mo_matches_the_po(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    mo = polib.mofile(str(folder / "django.mo"))

    def table(catalogue):
        return {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid and not e.obsolete and "fuzzy" not in e.flags
        }

    assert table(po) == table(mo), "Run `make messages` (compilemessages) and commit the .mo."


@pytest.mark.parametrize("language", SHIPPED)
def test_placeholders_survive_translation(language):
    """msgfmt --check: every %(name)s in a msgid is in its translation."""
    if not shutil.which("msgfmt"):
        _no_gettext()
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
