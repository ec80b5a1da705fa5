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
    assert response.status_code == 302  # (to the list, the saved row marked)
    assert response.headers["Location"] == f"/admin/organizations/?saved={org.id}"
    session.expire_all()
    assert org.name == "Changed"


def test_a_safe_return_url_still_works(admin_client, session):
    org = factories.organization(session, name="Kept")
    response = admin_client.post(f"/admin/organizations/edit/?id={org.id}&url=/admin/organizations/?page=1",
                                 data={"name": "Changed", "org_number": org.org_number, "version": str(org.version)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/organizations/?page=1&saved={org.id}"


# Bug: a NUL byte in a Flask-Admin scaffolded form (organizations) reached the service and then
# PostgreSQL ("A string literal cannot contain NUL characters"), and SQLite stored it.
def test_nul_in_an_organization_is_refused_beside_the_field(admin_client, session):
    org = factories.organization(session, name="Kept")
    response = admin_client.post(f"/admin/organizations/edit/?id={org.id}",
                                 data={"name": "Ch\x00anged", "org_number": org.org_number, "address": "x\x00",
                                       "version": str(org.version)})
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
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


# --- issue 8, finding 3: 500s from text fields sent as files, history/audit-log parameters, dates ---------
import io  # noqa: E402
import struct  # noqa: E402
import zlib  # noqa: E402

from sqlalchemy import select  # noqa: E402

from backoffice.models import HistoryEntry, Organization, OutboxMessage, User  # noqa: E402
from backoffice.services import history as history_service  # noqa: E402
from backoffice.services import organizations as organization_service  # noqa: E402
from backoffice.services.errors import ServiceError  # noqa: E402
from tests.test_fuzz_forms import snapshot  # noqa: E402


def _as_file(text: str = "x"):
    return (io.BytesIO(text.encode()), "field.txt")


@pytest.mark.parametrize("url, data", [
    ("/login", {"email": _as_file, "password": "whatever-password"}),
    ("/login", {"email": "staff@example.com", "password": _as_file}),
    ("/forgot-password", {"email": _as_file}),
])
def test_a_text_field_sent_as_a_file_is_refused_beside_it_when_anonymous(client, session, url, data):
    """Finding 3: a text field sent as a multipart file part was a TypeError (FileStorage has no len()): a 500."""
    factories.user(session, email="staff@example.com")
    before = snapshot()
    posted = {k: (v() if callable(v) else v) for k, v in data.items()}
    response = client.post(url, data=posted, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "This field takes text, not a file." in response.get_data(as_text=True)
    after = snapshot()
    after.pop("history_entry"), before.pop("history_entry")  # (a failed sign-in is itself recorded)
    assert after == before


def test_a_text_field_sent_as_a_file_on_a_scaffolded_form(admin_client, session):
    """Finding 3: the same on a Flask-Admin form (AdminForm is its form_base_class)."""
    org = factories.organization(session, name="Kept")
    data = {"name": _as_file("Changed"), "org_number": org.org_number, "version": str(org.version)}
    response = admin_client.post(f"/admin/organizations/edit/?id={org.id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert "This field takes text, not a file." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Organization, org.id).name == "Kept"


HOSTILE_IDS = ["²", "٣", "2147483648", "9223372036854775808", "9" * 400, "-1", "abc"]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_history_tabs_and_the_audit_log_take_any_cursor_or_id(admin_client, session, value):
    """Finding 3: ?before=², ?entry=², ?user=² and numbers past int32 used isdigit() then int(): a 500."""
    org = factories.organization(session, name="Timeline")
    session.commit()
    assert admin_client.get(f"/admin/organizations/history/?id={org.id}&before={value}").status_code == 200
    assert admin_client.get(f"/admin/organizations/history/?id={org.id}&before={value}&fragment=1").status_code == 200
    assert admin_client.get(f"/admin/organizations/history/note/delete/?id={org.id}&entry={value}").status_code == 404
    assert admin_client.get(f"/admin/organizations/history/restore/?id={org.id}&entry={value}&field=name").status_code == 404
    assert admin_client.get(f"/admin/audit-log/?before={value}").status_code == 200
    assert admin_client.get(f"/admin/audit-log/?user={value}").status_code == 200


@pytest.mark.parametrize("query", ["user=²", "user=9223372036854775808", "date_from=0001-01-01",
                                   "date_to=9999-12-31", "date_from=9999-12-31&date_to=0001-01-01"])
def test_the_audit_log_export_is_whole_whatever_the_filters(admin_client, session, query):
    """Finding 3: export.csv answered 200 and then the stream died on a bad filter: a truncated file."""
    factories.organization(session, name="Exported")
    session.commit()
    response = admin_client.get(f"/admin/audit-log/export.csv?{query}")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].lstrip("\ufeff").startswith("id,")  # the header, and the stream ended normally
    assert len(lines) >= 1


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=0001-01-01&date_to=9999-12-31"])
def test_audit_log_dates_at_the_calendar_edges(admin_client, session, query):
    """Finding 3: /admin/audit-log/?date_from=0001-01-01 or date_to=9999-12-31 was an OverflowError: a 500."""
    factories.organization(session, name="Dated")
    session.commit()
    response = admin_client.get(f"/admin/audit-log/?{query}")
    assert response.status_code == 200
    assert "Dated" in response.get_data(as_text=True)  # an out-of-range date is an ignored filter


# --- finding 8: a decompression bomb as a photo -----------------------------------------------------------
def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header says width x height (1-bit grey), with a tiny truncated image: a few bytes that
    claim 169 megapixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_a_photo_of_huge_dimensions_is_refused_before_decoding(admin_client, session):
    """Finding 8: a small PNG of 13,000 x 13,000 pixels was accepted (and took the server to 1.46 GB)."""
    user = factories.user(session, role="staff")
    session.commit()
    data = factories.user_edit_form(user)
    data["photo_upload"] = (io.BytesIO(_png_header_only(13_000, 13_000)), "bomb.png")
    response = admin_client.post(f"/admin/users/edit/?id={user.id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert "The photo can be at most 40 megapixels." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).photo is None


def test_the_photo_service_refuses_a_bomb_for_every_caller(session):
    """Finding 8: the limit is the service's (CLI and other callers too), past Pillow's own bomb limit as well."""
    from backoffice.services import users as user_service

    user = factories.user(session, role="staff")
    for size in ((13_000, 13_000), (20_000, 20_000)):
        with pytest.raises(ServiceError) as refused:
            user_service.set_photo(session, None, user, _png_header_only(*size))
        assert "megapixels" in str(refused.value.message) and refused.value.field == "photo"


# --- finding 9: control characters in one-line fields -------------------------------------------------------
@pytest.mark.parametrize("name", ["Evil\r\nBcc: victim@example.com", "Tab\there", "Bell\x07", "Line\u2028sep"])
def test_a_one_line_field_refuses_control_characters_beside_the_field(admin_client, session, name):
    """Finding 9: CR/LF could be stored in an organization name (it reached e-mail subjects)."""
    org = factories.organization(session, name="Kept")
    session.commit()
    data = {"name": name, "org_number": org.org_number, "version": str(org.version)}
    response = admin_client.post(f"/admin/organizations/edit/?id={org.id}", data=data)
    assert response.status_code == 400  # refused: the form again (the one save path answers 400)
    assert "line breaks, tabs or other control characters" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Organization, org.id).name == "Kept"


def test_the_services_refuse_control_characters_in_one_line_fields(session):
    """Finding 9: the services refuse them too (the CLI and any other caller), on the field."""
    from backoffice.services import users as user_service

    with pytest.raises(ServiceError) as refused:
        organization_service.create_organization(session, None, name="Evil\r\nBcc: x@example.com", org_number="5566")
    assert refused.value.field == "name"
    user = factories.user(session, role="staff")
    with pytest.raises(ServiceError) as refused:
        user_service.update_user(session, None, user, last_name="A\nB")
    assert refused.value.field == "last_name"


def test_a_multi_line_field_still_takes_line_breaks(admin_client, session):
    """Finding 9: a note (a textarea, a Text column) keeps its line breaks and tabs."""
    org = factories.organization(session, name="Noted")
    session.commit()
    response = admin_client.post(f"/admin/organizations/history/note/?id={org.id}", data={"text": "Line one\r\n\tLine two"})
    assert response.status_code == 302
    note = session.scalars(select(HistoryEntry).where(HistoryEntry.kind == "note")).one()
    assert "Line one" in note.note and "Line two" in note.note and "\n" in note.note
    with pytest.raises(ServiceError):
        history_service.add_note(session, None, "organization", org.id, "Noted", "bell\x07")


def test_send_mail_delivers_a_subject_with_a_line_break(app, session, monkeypatch):
    """Finding 9: a subject with CR/LF (stored before the fix) made send-mail fail with ValueError, for ever."""
    from backoffice.infra.mail import as_email
    from backoffice.services.mail import queue_mail

    message = queue_mail(session, "a@example.com", "Backoffice: Evil\r\nBcc: victim@example.com", "Body")
    session.commit()
    email = as_email(message, "bo@example.com")
    assert "\n" not in str(email["Subject"]) and "Bcc" not in email.keys()
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0 and "1 sent" in result.output, result.output
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).one().sent_at is not None
