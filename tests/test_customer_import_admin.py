"""The "Import customers" page (seed 001's "Upload registers"; issue 13): upload, map, dry run, import."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from backoffice.models import Customer, HistoryEntry, ImportJob
from tests.conftest import login
from tests.test_customer_import import BAD_ROWS, csv_bytes

PAGE = "/admin/customers/upload/"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Customer))


def upload(client, data: bytes, name="register.csv"):
    return client.post(PAGE, data={"file": (io.BytesIO(data), name), "check": "Check the file"},
                       content_type="multipart/form-data")


def test_the_page_is_for_those_who_may_upload(app, client, make_user):
    login(client, make_user(role="staff"))
    assert client.get(PAGE).status_code == 403
    assert upload(client, csv_bytes(*BAD_ROWS)).status_code == 403
    editor = app.test_client()
    login(editor, make_user(role="editor"))
    assert "Register file" in text_of(editor.get(PAGE))


def test_dry_run_then_import_only_the_valid_rows(client, session, make_user):
    login(client, make_user(role="editor"))
    response = upload(client, csv_bytes(*BAD_ROWS))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = text_of(page)
    assert "Dry run: nothing has been imported yet" in html
    assert "3 rows: 1 new customer, 0 updated, 0 unchanged, 2 rejected." in html
    assert re.search(r"<td>3</td>.*?<td>E-mail</td>\s*<td>Enter a valid e-mail address\.", html)
    assert count(session) == 0
    # all or nothing: Import alone stores nothing while a row is rejected
    refused = text_of(client.post(response.headers["Location"], data={"run_import": "Import"}, follow_redirects=True))
    assert "Nothing was imported: 2 rows were rejected." in refused and count(session) == 0
    done = text_of(client.post(response.headers["Location"], data={"run_import": "Import", "valid_only": "y"},
                               follow_redirects=True))
    assert "Imported: 1 new, 0 updated, 0 unchanged, 2 rejected." in done
    assert count(session) == 1
    assert session.scalar(select(ImportJob.state)) == "done"
    assert session.scalar(select(HistoryEntry.record_name).where(HistoryEntry.kind == "import")) == "register.csv"
    again = client.post(response.headers["Location"], data={"run_import": "Import"}, follow_redirects=True)
    assert "imported already" in text_of(again) and count(session) == 1


def test_unknown_headers_are_mapped_on_the_page(client, session, make_user):
    login(client, make_user(role="system-admin"))
    location = upload(client, csv_bytes(["Mail", "Given", "Family"], ["m@example.com", "Mia", "Ek"])).headers["Location"]
    html = text_of(client.get(location))
    assert "Which columns are these?" in html and "Leave this column out" in html
    mapped = client.post(location, data={"column_0": "email", "column_1": "first_name", "column_2": "last_name",
                                         "check": "Check again"}, follow_redirects=True)
    assert "1 row: 1 new customer" in text_of(mapped)
    client.post(location, data={"run_import": "Import"})
    assert session.scalar(select(Customer.display_name)) == "Mia Ek"


def test_bad_files_get_a_message_beside_the_field(client, session, make_user):
    login(client, make_user(role="editor"))
    response = upload(client, b"not a workbook", "register.xlsx")
    assert response.status_code == 400
    assert "is named .xlsx but is not an Excel workbook" in text_of(response)
    empty = client.post(PAGE, data={"check": "Check the file"}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose a CSV or XLSX file." in text_of(empty)
    assert session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_the_upload_size_is_configurable(app, client, session, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024 * 1024)
    login(client, make_user(role="editor"))
    response = upload(client, b"E-mail\r\n" + b"a@example.com\r\n" * 80_000)
    assert response.status_code == 413 and "1 MB" in text_of(response)


def test_another_users_job_is_not_found(app, client, session, make_user):
    login(client, make_user(role="editor"))
    location = upload(client, csv_bytes(*BAD_ROWS)).headers["Location"]
    other = app.test_client()
    login(other, make_user(role="editor"))
    assert other.get(location).status_code == 404
    assert other.post(location, data={"run_import": "Import", "valid_only": "y"}).status_code == 404
    assert count(session) == 0
