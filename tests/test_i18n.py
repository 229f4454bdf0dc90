"""The Dutch message catalogue: complete, compiled, and used by default."""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


def _entries(text: str) -> list[dict]:
    """The entries of a .po file: flags, msgid, msgid_plural and every msgstr, unquoted."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry: dict = {"flags": set(), "msgstr": {}}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            else:
                match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
                if match:
                    field = (match.group(1), match.group(2))
                    value = ast.literal_eval(match.group(3))
                else:
                    value = ast.literal_eval(line.strip())
                name, index = field
                if name.startswith("msgstr"):
                    key = int(index) if index is not None else 0
                    entry["msgstr"][key] = entry["msgstr"].get(key, "") + value
                else:
                    entry[name] = entry.get(name, "") + value
        entries.append(entry)
    return entries


def test_the_dutch_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = _entries(PO.read_text(encoding="utf-8"))
    header, messages = entries[0], entries[1:]

    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "charset=UTF-8" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]
    assert len(messages) > 100
    assert [m["msgid"] for m in messages if "fuzzy" in m["flags"]] == []
    assert [m["msgid"] for m in messages if not all(m["msgstr"].values())] == []
    plurals = [m for m in messages if "msgid_plural" in m]
    assert plurals
    assert [m["msgid"] for m in plurals if sorted(m["msgstr"]) != [0, 1]] == []


def test_every_placeholder_survives_the_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    wrong = []
    for m in _entries(PO.read_text(encoding="utf-8"))[1:]:
        sources = [m["msgid"], m.get("msgid_plural", m["msgid"])]
        for index, translated in m["msgstr"].items():
            source = sources[min(index, 1)]
            if sorted(placeholder.findall(source)) != sorted(placeholder.findall(translated)):
                wrong.append(m["msgid"])
    assert wrong == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_counts_every_message_translated():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d+ translated messages\.$", result.stderr.strip(), re.MULTILINE), result.stderr


# A fresh git checkout writes django.mo just before django.po (alphabetical order), so allow a moment.
CHECKOUT_SLACK_SECONDS = 2


def test_the_compiled_catalogue_is_not_older_than_its_source():
    assert MO.exists(), "run `make messages` (compilemessages) after changing the .po"
    assert MO.stat().st_mtime + CHECKOUT_SLACK_SECONDS >= PO.stat().st_mtime, (
        "django.mo is older than django.po: run `make messages`"
    )


def test_the_compiled_catalogue_holds_exactly_the_translations_of_its_source():
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for m in _entries(PO.read_text(encoding="utf-8"))[1:]:
        if "msgid_plural" in m:
            shown = [catalogue.ngettext(m["msgid"], m["msgid_plural"], n) for n in (1, 2)]
        else:
            shown = [catalogue.gettext(m["msgid"])]
        if shown != [m["msgstr"][i] for i in sorted(m["msgstr"])]:
            stale.append(m["msgid"])
    assert stale == [], "django.mo does not match django.po: run `make messages`"


def test_the_login_page_is_dutch_by_default_and_english_after_switching(client, db):
    page = client.get(reverse("login"))

    assert page.status_code == 200
    assert '<html lang="nl">' in page.text
    assert "<h1>Inloggen</h1>" in page.text
    assert "Voor medewerkers van Nederlandse gemeenten en van het VNG Fonds." in page.text

    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert switched.status_code == 302
    page = client.get(reverse("login"))

    assert '<html lang="en">' in page.text
    assert "<h1>Log in</h1>" in page.text
    assert "For staff of Dutch municipalities and of the VNG Fonds." in page.text
    assert "Inloggen" not in page.text


def test_the_footer_names_the_fund_as_it_calls_itself(client, db):
    page = client.get(reverse("login")).text

    # "het VNG Fonds voor Noodhulp, Wederopbouw en Vredesbevordering" (docs: DESIGN.md)
    assert "Noodhulp, Wederopbouw en Vredesbevordering" in page
    assert "vredesopbouw" not in page.lower()
