"""One focused test per bug the fuzzing (tests/test_fuzz_forms.py) found, so each stays fixed."""

from __future__ import annotations

import pytest

from backoffice.forms import PAGE_MAX, page_number
from tests import factories
from tests.conftest import login


@pytest.fixture
def admin_client(client, admin):
    login(client, admin)
    return client


# Bug: /admin/notifications/?page=<10,000 digits> raised ValueError (Python's int-string limit): a 500.
@pytest.mark.parametrize("value, page", [("0" * 10_000, 1), ("9" * 10_000, PAGE_MAX), ("٣", 1), ("-3", 1), ("", 1),
                                         (None, 1), ("7", 7), ("007", 7), ("99999999999999999999", PAGE_MAX)])
def test_page_number_from_any_query_string(value, page):
    assert page_number(value) == page


@pytest.mark.parametrize("url", ["/admin/notifications/", "/portal/"])
@pytest.mark.parametrize("page", ["0" * 10_000, "9" * 10_000, "99999999999999999999"])
def test_notification_pages_survive_absurd_page_numbers(admin_client, url, page):
    assert admin_client.get(f"{url}?page={page}").status_code == 200


# Bug: /users/99999999999999999999/photo (and every other <int:...> route) reached the database with a
# number no id can be: OverflowError on SQLite, "integer out of range" on PostgreSQL — a 500.
@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "99999999999999999999"])
def test_ids_in_paths_beyond_any_primary_key_are_404(admin_client, session, number):
    customer = factories.customer(session)
    assert admin_client.get(f"/users/{number}/photo").status_code == 404
    assert admin_client.post(f"/admin/notifications/{number}/read").status_code == 404
    assert admin_client.post(f"/portal/notifications/{number}/read").status_code == 404
    assert admin_client.get(f"/admin/customers/shared/{number}/").status_code == 404
    assert admin_client.get(f"/admin/customers/shared/{customer.id}/remove/{number}/").status_code == 404


def test_the_largest_id_still_routes(admin_client):
    assert admin_client.get("/users/2147483647/photo").status_code == 404  # routed, and simply not found


# Bug: ?url=%0D (a CR or LF) passed Flask-Admin's is_safe_url, which strips whitespace before checking,
# and then went into a Location header: ValueError, a 500. Now an unsafe return address is dropped.
@pytest.mark.parametrize("bad", ["\r", "\n", "/admin/\r\nSet-Cookie: x=1", "https://evil.example/", "//evil.example"])
def test_an_unsafe_return_url_is_dropped_on_get(admin_client, bad):
    response = admin_client.get("/admin/users/details/", query_string={"id": "999", "url": bad})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users/"  # no such user: back to the list


@pytest.mark.parametrize("where", ["query", "form"])
def test_an_unsafe_return_url_is_dropped_on_post(admin_client, session, where):
    org = factories.organization(session, name="Kept")
    data = {"name": "Changed", "org_number": org.org_number, "version": str(org.version)}
    url = f"/admin/organizations/edit/?id={org.id}"
    if where == "query":
        url += "&url=%0D"
    else:
        data["url"] = "\n"
    response = admin_client.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/organizations/"
    session.expire_all()
    assert org.name == "Changed"


def test_a_safe_return_url_still_works(admin_client, session):
    org = factories.organization(session, name="Kept")
    response = admin_client.post(f"/admin/organizations/edit/?id={org.id}&url=/admin/organizations/?page=1",
                                 data={"name": "Changed", "org_number": org.org_number, "version": str(org.version)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/organizations/?page=1"


# Bug: a NUL byte in a Flask-Admin scaffolded form (organizations) reached the service and then
# PostgreSQL ("A string literal cannot contain NUL characters"), and SQLite stored it.
def test_nul_in_an_organization_is_refused_beside_the_field(admin_client, session):
    org = factories.organization(session, name="Kept")
    response = admin_client.post(f"/admin/organizations/edit/?id={org.id}",
                                 data={"name": "Ch\x00anged", "org_number": org.org_number, "address": "x\x00",
                                       "version": str(org.version)})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("NUL character") == 2
    session.expire_all()
    assert org.name == "Kept"


# Bug: Flask-Admin's ?page= took any integer: a page past what an OFFSET holds was an OverflowError
# on SQLite and "bigint out of range" on PostgreSQL; a negative one, "OFFSET must not be negative".
@pytest.mark.parametrize("url", ["/admin/organizations/", "/admin/users/", "/admin/customers/"])
@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "-5"])
def test_lists_survive_absurd_page_numbers(admin_client, url, page):
    assert admin_client.get(f"{url}?page={page}&page_size=100").status_code == 200


# Bug: a NUL in a list's search or filter reached PostgreSQL ("cannot contain NUL bytes"): a 500.
@pytest.mark.parametrize("query", ["search=a%00b", "flt0_0=%00", "flt1_1=%00", "search=%00"])
def test_lists_drop_nul_from_search_and_filters(admin_client, query):
    assert admin_client.get(f"/admin/users/?{query}").status_code == 200
    assert admin_client.get(f"/admin/organizations/?{query}").status_code == 200


def test_sharing_lookup_and_export_drop_nul(admin_client, session):
    customer = factories.customer(session)
    assert admin_client.get(f"/admin/customers/shared/{customer.id}/lookup?q=%00").status_code == 200
    assert admin_client.get(f"/admin/customers/shared/{customer.id}/?search=a%00").status_code == 200
    assert admin_client.get("/admin/customers/export/customers.csv?search=%00x").status_code == 200


# Bug: an id field with 10,000 digits (customer admin on the customer form and the recover dialog,
# the shared account to add) went to int(): ValueError (Python's int-string limit), a 500; and a number
# past int64 went to the database (OverflowError on SQLite). Ids are now parsed in one place: parse_id.
@pytest.mark.parametrize("value", ["0" * 10_000, "9" * 30, "2147483648", "٣", "-1", "0"])
def test_parse_id_refuses_what_no_id_can_be(value):
    from backoffice.services.validation import parse_id

    assert parse_id(value) is None


def test_parse_id_takes_a_real_id():
    from backoffice.services.validation import parse_id

    assert parse_id("2147483647") == 2147483647 and parse_id("42") == 42 and parse_id(7) == 7


@pytest.mark.parametrize("value", ["0" * 10_000, "9" * 30])
def test_id_fields_with_absurd_numbers_are_refused_not_500(admin_client, session, value):
    customer = factories.customer(session, allow_shared_billing=True)
    deleted = factories.customer(session, deleted=True)
    response = admin_client.post(f"/admin/customers/edit/?id={customer.id}", data={
        "organization_id": customer.organization_id, "admin_user_id": value, "status": "ACTIVE",
        "version": str(customer.version)})
    assert response.status_code == 400  # refused beside the field, the form shown again
    response = admin_client.post(f"/admin/customers/recover/?id={deleted.id}", data={"admin_user_id": value})
    assert response.status_code == 400
    response = admin_client.post(f"/admin/customers/shared/{customer.id}/add/", data={"shared_customer": value})
    assert response.status_code == 400
    response = admin_client.get("/admin/customers/export/customers.csv", query_string={"ids": value})
    assert response.status_code == 200 and response.get_data(as_text=True).count("\n") == 1  # the header only
