"""Every user-facing string has a Swedish translation, and a Swedish user sees Swedish pages."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "backoffice" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_strings() -> set[str]:
    found = set()
    for folder, method in (("backoffice", "python"), ("templates", "jinja2")):
        options = {"**.html": {"extensions": "jinja2.ext.do"}} if method == "jinja2" else {}
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[(pattern, method)], options_map=options, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_source_string_has_a_swedish_translation():
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh, locale="sv")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and m.string and "fuzzy" not in m.flags and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(s for s in _source_strings() - translated if s)
    assert missing == [], f"run `make messages` and translate: {missing[:20]}"


def test_a_swedish_user_sees_swedish_pages_and_flask_admins_own_strings(client, make_user, make_org):
    make_org(name="Svensk AB")
    user = make_user(role="system-admin", language="sv")
    login(client, user)
    html = client.get("/admin/organizations/").get_data(as_text=True)
    assert 'lang="sv"' in html
    assert "Organisationer" in html and "REGISTER" in html and "Visar 1–1 av 1 resultat" in html
    form = client.get("/admin/organizations/new/").get_data(as_text=True)
    assert "Skapa och lägg till en till" in form  # the register form's own buttons (issue 9)
    customers = client.get("/admin/customers/").get_data(as_text=True)
    assert "Med utvalda" in customers  # Flask-Admin's own "With selected", from its Swedish catalogue
