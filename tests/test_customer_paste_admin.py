"""The "Add multiple customers" page (seed 003; issue 13): paste, Preview, Add, fix the rest and add again."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from backoffice.models import Customer
from backoffice.services import customer_groups
from tests.conftest import csrf_token_from, login

PAGE = "/admin/customers/add-many/"
FIVE = (
    "anna@example.com, Anna, Berg, 070-123 45 67\n"
    "not-an-email, Bo, Ek\n"
    "cia@example.com; Cia; Lind\n"
    "dag@example.com\tDag\tStröm\t12\n"
    "eva@example.com, Eva, Ek\n"
)


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Customer))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_page_is_for_those_who_may_upload(app, client, make_user):
    login(client, make_user(role="staff"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"lines": "a@example.com, A, B", "add": "Add"}).status_code == 403
    editor = app.test_client()
    login(editor, make_user(role="editor"))
    html = text_of(editor.get(PAGE))
    assert "Add multiple customers" in html and "Customers, one per line" in html


def test_preview_shows_every_line_and_its_problems_and_stores_nothing(client, session, make_user):
    login(client, make_user(role="editor"))
    before = count(session)
    response = client.post(PAGE, data={"lines": FIVE, "preview": "Preview"})
    assert response.status_code == 200
    html = text_of(response)
    assert "5 lines: 3 new customers, 0 updates of existing customers, 2 lines with problems." in html
    assert re.search(r"<td>2</td>.*?Enter a valid e-mail address\.", html)
    assert re.search(r"<td>4</td>.*?This is not a valid phone number", html)  # "12"
    assert count(session) == before


def test_add_stores_the_valid_lines_and_leaves_the_others_to_fix(client, session, make_user):
    group = customer_groups.create_group(session, None, name="Newsletter")
    session.commit()
    login(client, make_user(role="editor"))
    before = count(session)
    response = client.post(PAGE, data={"lines": FIVE, "group_ids": [str(group.id)], "add": "Add"})
    assert response.status_code == 200
    html = text_of(response)
    assert "3 customers were added." in html
    assert "2 lines were not added: fix them below and add them again." in html
    assert count(session) == before + 3
    assert len(customer_groups.members(session, group)) == 3
    # the text area now holds exactly the two lines to fix
    area = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.get_data(as_text=True), re.S).group(1)
    assert area.strip().splitlines() == ["not-an-email, Bo, Ek", "dag@example.com\tDag\tStröm\t12"]

    fixed = client.post(PAGE, data={"lines": "bo@example.com, Bo, Ek\ndag@example.com\tDag\tStröm\t070 7654321",
                                    "add": "Add"})
    assert fixed.status_code == 302 and fixed.headers["Location"].endswith("/admin/customers/")
    assert count(session) == before + 5


def test_each_paste_is_in_the_audit_log_with_its_counts(client, session, make_user):
    login(client, make_user(role="editor"))
    client.post(PAGE, data={"lines": FIVE, "add": "Add"})
    admin_client = client.application.test_client()
    login(admin_client, make_user(role="system-admin", email="audit@example.com"))
    html = text_of(admin_client.get("/admin/audit-log/"))
    assert "Imported" in html and "Customers added at once" in html
    shown = re.sub(r"<[^>]+>", "", html)  # (the text as read: "Customers added: 3")
    assert re.search(r"Customers added:\s*3\b", shown) and re.search(r"Lines not added:\s*2\b", shown), shown[:3000]


def test_an_existing_customers_line_is_offered_as_an_update(client, session, make_user):
    from tests import factories

    factories.private_customer(session, first_name="Eva", last_name="Old", email="eva@example.com")
    login(client, make_user(role="editor"))
    html = text_of(client.post(PAGE, data={"lines": "eva@example.com, Eva, New", "preview": "Preview"}))
    assert "Already a customer: Eva Old." in html
    before = count(session)
    client.post(PAGE, data={"lines": "eva@example.com, Eva, New", "update_existing": "y", "add": "Add"})
    assert count(session) == before
    assert session.scalar(select(Customer.display_name).where(Customer.display_name.like("Eva %"))) == "Eva New"


def test_bad_input_gets_a_message_beside_the_field_never_a_500(client, session, make_user):
    login(client, make_user(role="editor"))
    empty = client.post(PAGE, data={"lines": "\n \n", "preview": "Preview"})
    assert empty.status_code == 400 and "Paste at least one line" in text_of(empty)
    many = "\n".join(f"p{i}@example.com, P, N{i}" for i in range(1001))
    refused = client.post(PAGE, data={"lines": many, "add": "Add"})
    assert refused.status_code == 400 and "Paste at most 1,000 lines at a time." in text_of(refused)
    assert client.post(PAGE, data={"lines": "a@example.com, A, B", "group_ids": ["99999"], "add": "Add"}).status_code == 400


def test_the_form_is_csrf_protected(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # (restored after the test)
    client = app.test_client()
    user = make_user(role="editor")
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": user.email, "password": "test-password-2026",
                                "csrf_token": csrf_token_from(login_page)})
    refused = client.post(PAGE, data={"lines": "a@example.com, A, B", "add": "Add"})
    assert refused.status_code == 400
