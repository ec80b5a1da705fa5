"""Organization numbers checked for their country (python-stdnum), the country as an ISO code, uniqueness
per (country, number), old failing numbers kept editable and found by the list filter, the data migration."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError, IntegrityError

from backoffice.extensions import db
from backoffice.models import Organization
from backoffice.services import org_numbers
from backoffice.services import organizations as service
from backoffice.services.errors import ServiceError
from tests import factories
from tests.conftest import login

MIGRATION = Path(__file__).resolve().parent.parent / "migrations/versions/c4d8e1f2a3b6_organization_country_codes_and_valid_numbers.py"

# A valid number of each country, and one with its check digit off by one.
VALID = {"SE": "556036-0793", "NO": "988 077 917", "FI": "2077474-0", "DE": "DE136695976"}
WRONG_CHECK_DIGIT = {"SE": "556036-0794", "NO": "988 077 918", "FI": "2077474-1", "DE": "DE136695977"}
KIND = {"SE": "Swedish organization number", "NO": "Norwegian organization number",
        "FI": "Finnish business ID (Y-tunnus)", "DE": "German VAT number (USt-IdNr.)"}


def count_orgs(session) -> int:
    return session.scalar(select(func.count()).select_from(Organization))


# --- the rule of each country ----------------------------------------------------------------------------
@pytest.mark.parametrize("country", sorted(VALID))
def test_a_valid_number_of_each_country_is_accepted_and_written_the_countrys_way(session, country):
    org = service.create_organization(session, None, name=f"{country} AB", org_number=VALID[country], country=country)
    session.commit()
    assert org.org_number == VALID[country] and org.org_number_valid
    assert org.org_number_key == re.sub(r"[\s-]", "", VALID[country])


@pytest.mark.parametrize("country", sorted(VALID))
def test_a_wrong_check_digit_is_refused_beside_the_field(session, country):
    with pytest.raises(ServiceError) as caught:
        service.create_organization(session, None, name="Wrong AB", org_number=WRONG_CHECK_DIGIT[country], country=country)
    session.rollback()
    assert caught.value.field == "org_number"
    assert str(caught.value.message) == f"This is not a valid {KIND[country]} (the check digit is wrong)."
    assert count_orgs(session) == 0


@pytest.mark.parametrize("country, number", [("SE", "55603607"), ("NO", "9880779170"), ("FI", "207747"), ("DE", "DE13669597")])
def test_a_number_of_the_wrong_length_says_so(session, country, number):
    with pytest.raises(ServiceError) as caught:
        service.create_organization(session, None, name="Short AB", org_number=number, country=country)
    session.rollback()
    assert "wrong number of digits" in str(caught.value.message) and caught.value.field == "org_number"


def test_numbers_are_normalised_to_the_countrys_way_of_writing_them(session):
    se = service.create_organization(session, None, name="Se AB", org_number="5560360793", country="SE")
    no = service.create_organization(session, None, name="No AS", org_number="988077917", country="no")
    fi = service.create_organization(session, None, name="Fi Oy", org_number="20774740", country="FI")
    de = service.create_organization(session, None, name="De GmbH", org_number="de 136 695 976", country="DE")
    session.commit()
    assert (se.org_number, no.org_number, fi.org_number, de.org_number) == ("556036-0793", "988 077 917", "2077474-0", "DE136695976")
    assert no.country == "NO"  # the code upper-cased
    assert de.org_number_key == "DE136695976"  # with or without its DE, the same German number


def test_other_countries_and_no_country_keep_todays_rule(session):
    dk = service.create_organization(session, None, name="Dk ApS", org_number="12 34 56 78", country="DK")
    none = service.create_organization(session, None, name="Nowhere AB", org_number="123-abc", country=None)
    session.commit()
    assert (dk.org_number, dk.org_number_key, dk.org_number_valid) == ("12 34 56 78", "12345678", True)
    assert (none.org_number_key, none.country) == ("123ABC", None)
    with pytest.raises(ServiceError) as caught:
        service.create_organization(session, None, name="Bad AB", org_number="12/34", country="DK")
    assert caught.value.field == "org_number"


def test_a_country_that_is_no_iso_code_is_refused(session):
    for bad in ("Sverige", "XX", "EU", "S"):
        with pytest.raises(ServiceError) as caught:
            service.create_organization(session, None, name="Where AB", org_number=VALID["SE"], country=bad)
        assert caught.value.field == "country", bad
        session.rollback()
    assert count_orgs(session) == 0


def test_the_database_refuses_a_country_that_is_not_two_capital_letters(session):
    org = factories.organization(session)
    for bad in ("se", "S1", "Sverige", "Å1"):
        with pytest.raises((IntegrityError, DataError)):  # (PostgreSQL: "Sverige" is longer than the column)
            session.execute(text("UPDATE organization SET country = :c WHERE id = :id"), {"c": bad, "id": org.id})
            session.flush()
        session.rollback()


def test_the_luhn_helper_makes_valid_swedish_numbers():
    assert org_numbers.swedish_number("556036079") == "556036-0793"
    numbers = {org_numbers.swedish_number(f"55{i:07d}") for i in range(200)}
    assert len(numbers) == 200 and all(org_numbers.is_valid("SE", n) for n in numbers)


# --- uniqueness per (country, number) ----------------------------------------------------------------------
def test_the_same_number_in_two_countries_is_two_organizations_but_twice_in_one_is_refused(session):
    service.create_organization(session, None, name="Svensk AB", org_number="5560360793", country="SE")
    service.create_organization(session, None, name="Dansk ApS", org_number="5560360793", country="DK")
    session.commit()
    with pytest.raises(ServiceError) as caught:
        service.create_organization(session, None, name="Copy AB", org_number="556036 0793", country="SE")
    session.rollback()
    assert str(caught.value.message) == "An organization in Sweden with this organization number already exists."
    assert count_orgs(session) == 2


def test_two_organizations_without_a_country_and_the_same_number_clash(session):
    service.create_organization(session, None, name="One", org_number="ABC-123", country=None)
    session.commit()
    with pytest.raises(ServiceError) as caught:
        service.create_organization(session, None, name="Two", org_number="abc 123", country=None)
    session.rollback()
    assert caught.value.field == "org_number"
    # and the database says so too, whatever the path (the partial unique index)
    with pytest.raises(IntegrityError):
        session.execute(text(
            "INSERT INTO organization (name, org_number, org_number_key, org_number_valid, version, created_at, updated_at)"
            " VALUES ('Raw', 'ABC123', 'ABC123', true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        session.flush()
    session.rollback()


def test_moving_an_organization_to_a_country_that_has_its_number_is_refused(session):
    factories.organization(session, name="Se AB", org_number="556036-0793", country="SE")
    other = factories.organization(session, name="Dk ApS", org_number="5560360793", country="DK")
    with pytest.raises(ServiceError) as caught:
        service.update_organization(session, None, other, expected_version=other.version, country="SE")
    session.rollback()
    assert caught.value.field == "org_number"
    assert session.get(Organization, other.id).country == "DK"


def test_changing_the_country_checks_the_number_for_the_new_country(session):
    org = factories.organization(session, name="Dk ApS", org_number="12345678", country="DK")
    with pytest.raises(ServiceError) as caught:
        service.update_organization(session, None, org, expected_version=org.version, country="NO")
    session.rollback()
    assert "Norwegian organization number" in str(caught.value.message)


# --- an old record that fails the rule -----------------------------------------------------------------------
def _kept_from_before(session, name="Gammal AB") -> Organization:
    """An organization as the data migration leaves one whose number fails its country's rule."""
    org = factories.organization(session, name=name)
    session.execute(text("UPDATE organization SET org_number = '556036-0794', org_number_key = '5560360794',"
                         " org_number_valid = :no WHERE id = :id"), {"no": False, "id": org.id})
    session.commit()
    session.expire_all()
    return session.get(Organization, org.id)


def test_an_old_invalid_number_stays_editable_while_the_number_is_not_changed(session):
    org = _kept_from_before(session)
    service.update_organization(session, None, org, expected_version=org.version, name="Gammal AB",
                                org_number="556036-0794", country="SE", phone="08-123 456 78")
    session.commit()
    session.expire_all()
    org = session.get(Organization, org.id)
    assert (org.org_number, org.org_number_valid, org.phone) == ("556036-0794", False, "+46812345678")
    with pytest.raises(ServiceError) as caught:  # changing it checks it
        service.update_organization(session, None, org, expected_version=org.version, org_number="556036 0795")
    session.rollback()
    assert "check digit" in str(caught.value.message)
    service.update_organization(session, None, org, expected_version=org.version, org_number="556036-0793")
    session.commit()
    assert session.get(Organization, org.id).org_number_valid is True


def test_the_edit_form_saves_an_old_record_whose_number_fails(client, session, admin):
    org = _kept_from_before(session)
    login(client, admin)
    response = client.post(f"/admin/organizations/edit/?id={org.id}", data={
        "name": "Gammal AB", "org_number": org.org_number, "country": "SE", "phone": "08-123 456 78",
        "version": str(org.version)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organization, org.id).phone == "+46812345678"


def test_the_list_filter_finds_numbers_that_fail_validation(client, session, admin):
    _kept_from_before(session, "Gammal AB")
    factories.organization(session, name="Fine AB")
    login(client, admin)
    everything = client.get("/admin/organizations/").get_data(as_text=True)
    assert "Gammal AB" in everything and "Fine AB" in everything and "Numbers that fail validation" in everything
    assert "Fails validation" in everything  # the failing number is marked in the list
    failing = client.get("/admin/organizations/?failing=1").get_data(as_text=True)
    assert "Gammal AB" in failing and "Fine AB" not in failing
    assert "Showing 1–1 of 1 results" in failing
    assert 'name="failing" type="hidden" value="1"' in failing or 'type="hidden" name="failing" value="1"' in failing
    searched = client.get("/admin/organizations/?failing=1&search=fine").get_data(as_text=True)
    assert "Fine AB" not in searched
    assert "Fine AB" in client.get("/admin/organizations/?failing=0").get_data(as_text=True)


# --- the admin form -----------------------------------------------------------------------------------
def test_a_bad_number_in_the_form_is_refused_beside_the_field_and_nothing_is_saved(client, session, admin):
    login(client, admin)
    response = client.post("/admin/organizations/new/", data={"name": "Fel AB", "org_number": "556036-0794", "country": "SE"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    match = re.search(r'id="org_number".*?<div class="invalid-feedback"[^>]*>\s*(.*?)\s*</div>', html, re.S)
    assert match and match.group(1) == "This is not a valid Swedish organization number (the check digit is wrong)."
    assert count_orgs(session) == 0


def test_the_form_offers_countries_in_the_readers_language_and_starts_in_the_registers_region(client, session, admin):
    login(client, admin)
    html = client.get("/admin/organizations/new/").get_data(as_text=True)
    assert '<option selected value="SE">Sweden</option>' in html and '<option value="NO">Norway</option>' in html
    admin.language = "sv"
    session.commit()
    html = client.get("/admin/organizations/new/").get_data(as_text=True)
    assert '<option selected value="SE">Sverige</option>' in html and '<option value="DE">Tyskland</option>' in html


def test_lists_and_details_show_the_country_by_name(client, session, admin):
    org = factories.organization(session, name="Norsk AS", org_number="988077917", country="NO")
    login(client, admin)
    assert "<td class=\"col-country\">Norway</td>" in client.get("/admin/organizations/").get_data(as_text=True)
    details = client.get(f"/admin/organizations/details/?id={org.id}").get_data(as_text=True)
    assert "Norway" in details and ">NO<" not in details


# --- the data migration ------------------------------------------------------------------------------------
def _migration():
    spec = importlib.util.spec_from_file_location("orgnum_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("typed, code", [
    ("Sweden", "SE"), ("Sverige", "SE"), ("SE", "SE"), ("se", "SE"), (" sverige ", "SE"), ("SWEDEN", "SE"),
    ("Norway", "NO"), ("Norge", "NO"), ("Finland", "FI"), ("Suomi", "FI"), ("Germany", "DE"), ("Tyskland", "DE"),
    ("Deutschland", "DE"), ("Danmark", "DK"), ("Storbritannien", "GB"), ("UK", "GB"), ("USA", "US"),
    ("Åland", "AX"), ("aland", "AX"), ("Island", "IS"), ("Frankrike", "FR"), ("Polen", "PL"),
    ("Umeå", None), ("", None), (None, None), ("-", None), ("Swedenn", None), ("EU", None),
])
def test_the_migration_maps_free_text_countries_to_codes(typed, code):
    assert _migration().country_code(typed) == code


def test_the_migration_converts_existing_rows(app, session):
    from flask_migrate import downgrade, upgrade

    rows = [("Svensk AB", "556036-0793", "Sverige"), ("Gammal AB", "556036-0794", "Sweden"),
            ("Norsk AS", "988077917", "Norge"), ("Tysk GmbH", "136695976", "Deutschland"),
            ("Okänd AB", "12-34", "Umeå"), ("Tom AB", "99", None)]
    try:
        db.session.remove()
        downgrade(revision=_migration().down_revision)
        with db.engine.begin() as conn:
            for name, number, country in rows:
                conn.execute(text(
                    "INSERT INTO organization (name, org_number, org_number_key, country, version, created_at, updated_at)"
                    " VALUES (:n, :o, :k, :c, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"n": name, "o": number, "k": re.sub(r"[\s-]", "", number).upper(), "c": country})
    finally:
        upgrade()
    got = {r.name: (r.country, r.org_number, r.org_number_key, r.org_number_valid)
           for r in session.execute(select(Organization.name, Organization.country, Organization.org_number,
                                           Organization.org_number_key, Organization.org_number_valid))}
    assert got == {
        "Svensk AB": ("SE", "556036-0793", "5560360793", True),
        "Gammal AB": ("SE", "556036-0794", "5560360794", False),  # kept, found by the filter
        "Norsk AS": ("NO", "988077917", "988077917", True),
        "Tysk GmbH": ("DE", "136695976", "DE136695976", True),  # the German key gets its DE
        "Okänd AB": (None, "12-34", "1234", True),  # unmappable text: no country, today's rule
        "Tom AB": (None, "99", "99", True),
    }


def test_history_names_the_country_not_its_code(app):
    from backoffice.admin import history_labels

    with app.test_request_context():
        assert history_labels.value_label("country", "NO") == "Norway"
        assert history_labels.value_label("default_region", "SE") == "Sweden"
        assert history_labels.field_label("default_region") == "Default region for phone numbers"
