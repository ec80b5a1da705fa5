"""History tabs, notes, restore and the audit log through the test client."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from backoffice.models import HistoryEntry, Organization
from backoffice.services import history
from tests.conftest import login


def _entries(session, **where):
    query = select(HistoryEntry).order_by(HistoryEntry.id)
    for key, value in where.items():
        query = query.where(getattr(HistoryEntry, key) == value)
    return list(session.scalars(query))


def _count(session):
    return session.scalar(select(func.count()).select_from(HistoryEntry))


def test_details_page_has_overview_and_history_tabs(as_user, make_org):
    org = make_org(name="Tabbed AB")
    client = as_user("staff")
    html = client.get(f"/admin/organizations/details/?id={org.id}").get_data(as_text=True)
    assert "Overview" in html and "History" in html
    assert f"/admin/organizations/history/?id={org.id}" in html


def test_an_edit_through_the_view_shows_old_to_new_with_the_editor(client, session, make_user, make_org):
    org = make_org(name="Old Name AB")
    editor = make_user(role="editor", first_name="Erik", last_name="Editor")
    login(client, editor)
    form = {"name": "New Name AB", "org_number": org.org_number, "version": str(org.version)}
    response = client.post(f"/admin/organizations/edit/?id={org.id}", data=form)
    assert response.status_code == 302
    html = client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
    assert "Old Name AB</del> → <ins>New Name AB" in html
    assert "Erik Editor" in html
    change = _entries(session, kind="update")[0]
    assert change.actor_id == editor.id


def test_user_history_tab(as_user, make_user):
    target = make_user(first_name="Tina")
    client = as_user("system-admin")
    html = client.get(f"/admin/users/history/?id={target.id}").get_data(as_text=True)
    assert "Created" in html and "Password changed" in html
    client.post("/logout")
    from tests.conftest import login

    login(client, target)
    client.post("/logout")
    admin_client = as_user("system-admin")
    html = admin_client.get(f"/admin/users/history/?id={target.id}&group=security").get_data(as_text=True)
    assert "Signed in" in html and "Signed out" in html and "Security" in html


def test_history_pages_25_at_a_time_with_a_cursor_and_a_fragment(session, as_user, make_org):
    org = make_org(name="v0")
    for i in range(1, 31):
        org.name = f"v{i}"
        session.commit()
    client = as_user("staff")
    html = client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
    assert html.count('class="bo-entry ') == 25
    assert "Load more" in html and "<ins>v30</ins>" in html and "<ins>v5</ins>" not in html
    oldest_shown = _entries(session, record_type="organization", record_id=org.id)[-25].id
    fragment = client.get(f"/admin/organizations/history/?id={org.id}&before={oldest_shown}&fragment=1")
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and text.count('class="bo-entry ') == 6
    assert "<ins>v5</ins>" in text and "Load more" not in text


def test_history_filter_by_kind_group(session, as_user, admin, make_org):
    org = make_org()
    history.add_note(session, admin, "organization", org.id, org.name, "A note only")
    session.commit()
    client = as_user("staff")
    html = client.get(f"/admin/organizations/history/?id={org.id}&group=notes").get_data(as_text=True)
    assert "A note only" in html and "Created" not in html.split("bo-timeline list-unstyled")[1]
    html = client.get(f"/admin/organizations/history/?id={org.id}&group=sharing").get_data(as_text=True)
    assert "No entries of this kind yet." in html


def test_notes_need_edit_permission(session, as_user, make_org):
    org = make_org()
    client = as_user("staff")
    assert "Add note" not in client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
    assert client.post(f"/admin/organizations/history/note/?id={org.id}", data={"text": "x"}).status_code == 403
    assert _entries(session, kind="note") == []


def test_editor_adds_a_note_and_an_empty_note_is_refused(session, as_user, make_org):
    org = make_org()
    client = as_user("editor")
    response = client.post(f"/admin/organizations/history/note/?id={org.id}", data={"text": "Called them"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Called them" in html and "The note was added." in html
    client.post(f"/admin/organizations/history/note/?id={org.id}", data={"text": ""})
    assert len(_entries(session, kind="note")) == 1


def test_note_deleted_by_author_or_admin_only_and_recorded(client, session, make_user, admin, make_org):
    org = make_org()
    author, other = make_user(role="editor"), make_user(role="editor")
    note = history.add_note(session, author, "organization", org.id, org.name, "Mine")
    session.commit()
    url = f"/admin/organizations/history/note/delete/?id={org.id}&entry={note.id}"
    login(client, other)
    assert client.post(url).status_code == 403
    client.post("/logout")
    login(client, author)
    assert "Delete note" in client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
    assert client.post(url).status_code == 302
    session.expire_all()
    assert session.get(HistoryEntry, note.id).note_deleted_at is not None
    html = client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
    assert "This note was deleted." in html and "Note deleted" in html
    # an admin may delete anyone's note
    second = history.add_note(session, author, "organization", org.id, org.name, "Second")
    session.commit()
    client.post("/logout")
    login(client, admin)
    assert client.post(f"/admin/organizations/history/note/delete/?id={org.id}&entry={second.id}").status_code == 302
    assert len(_entries(session, kind="note_deleted")) == 2


def test_restore_through_the_view_and_its_refusal(client, session, admin, make_org):
    org = make_org(name="Delta", org_number="555555-5555")
    login(client, admin)
    client.post(f"/admin/organizations/edit/?id={org.id}",
                data={"name": "Delta 2", "org_number": "666666-6661", "version": str(org.version)})
    change = _entries(session, kind="update")[0]
    html = client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
    assert "Restore this value" in html
    url = f"/admin/organizations/history/restore/?id={org.id}&entry={change.id}&field=name"
    assert "Set Name back to “Delta”?" in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 302
    session.expire_all()
    assert session.get(Organization, org.id).name == "Delta"
    assert _entries(session, kind="update")[-1].changes == [{"field": "name", "old": "Delta 2", "new": "Delta"}]
    # the number is now held by another organization: a clear refusal, nothing changes
    from tests import factories

    factories.organization(session, name="Holder", org_number="5555555555")
    before = _count(session)
    response = client.post(f"/admin/organizations/history/restore/?id={org.id}&entry={change.id}&field=org_number")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The value can" in text and "already exists" in text
    assert _count(session) == before
    session.expire_all()
    assert session.get(Organization, org.id).org_number == "666666-6661"


def test_restore_is_for_system_admins_only(session, as_user, make_org):
    org = make_org(name="Eps")
    org.name = "Eps 2"
    session.commit()
    change = _entries(session, kind="update")[0]
    client = as_user("editor")
    assert "Restore this value" not in client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
    url = f"/admin/organizations/history/restore/?id={org.id}&entry={change.id}&field=name"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    session.expire_all()
    assert session.get(Organization, org.id).name == "Eps 2"


def test_an_entry_of_another_record_is_not_reachable_through_this_one(session, admin, as_user, make_org):
    mine, theirs = make_org(), make_org()
    note = history.add_note(session, admin, "organization", theirs.id, theirs.name, "Not yours")
    session.commit()
    client = as_user("system-admin")
    assert client.post(f"/admin/organizations/history/note/delete/?id={mine.id}&entry={note.id}").status_code == 404


@pytest.mark.parametrize("role", ["staff", "editor"])
def test_no_url_edits_or_deletes_an_entry(session, as_user, make_org, role):
    """Every history and audit URL, POSTed by staff and editors: entries stay as they were."""
    org = make_org(name="Keep")
    org.name = "Keep 2"
    session.commit()
    history.add_note(session, None, "organization", org.id, org.name, "System note")
    session.commit()
    client = as_user(role)
    snapshot = [(e.id, e.kind, e.changes, e.note, e.note_deleted_at) for e in _entries(session)]
    entry_ids = [row[0] for row in snapshot]
    urls = ["/admin/audit-log/", "/admin/audit-log/export.csv", f"/admin/organizations/history/?id={org.id}"]
    for entry_id in entry_ids:
        urls += [
            f"/admin/organizations/history/note/delete/?id={org.id}&entry={entry_id}",
            f"/admin/organizations/history/restore/?id={org.id}&entry={entry_id}&field=name",
            f"/admin/audit-log/?entry={entry_id}",
            f"/admin/audit-log/delete/?id={entry_id}",
            f"/admin/audit-log/edit/?id={entry_id}",
        ]
    for url in urls:
        response = client.post(url, data={"note": "hacked", "changes": "[]", "text": "hacked"})
        assert response.status_code in (403, 404, 405), (url, response.status_code)
    session.expire_all()
    after = [(e.id, e.kind, e.changes, e.note, e.note_deleted_at) for e in _entries(session)]
    assert after == snapshot


def test_audit_log_is_for_system_admins(client, as_user):
    assert client.get("/admin/audit-log/").status_code == 302  # anonymous: to sign in
    for role in ("staff", "editor"):
        signed_in = as_user(role)
        assert signed_in.get("/admin/audit-log/").status_code == 403
        assert signed_in.get("/admin/audit-log/export.csv").status_code == 403
        assert "Audit log" not in signed_in.get("/admin/").get_data(as_text=True)
        signed_in.post("/logout")
    admin_client = as_user("system-admin")
    assert "Audit log" in admin_client.get("/admin/").get_data(as_text=True)


def test_audit_log_filters_search_and_paging(session, admin, make_user, make_org, client):
    editor = make_user(role="editor", first_name="Edda")
    org = make_org(name="Searchable Oy")
    with history.acting_as(session, editor):
        org.name = "Searchable Oy 2"
        session.commit()
    history.add_note(session, admin, "organization", org.id, org.name, "needle in the note")
    session.commit()
    login(client, admin)
    page = lambda q: client.get("/admin/audit-log/" + q).get_data(as_text=True)  # noqa: E731
    html = page("")
    assert "Audit log" in html and "Searchable Oy 2" in html
    html = page(f"?user={editor.id}")
    assert "Changed" in html and "needle in the note" not in html
    html = page("?kind=note")
    assert "needle in the note" in html and "<ins>Searchable Oy 2</ins>" not in html
    assert "needle" in page("?q=needle") and "<ins>Searchable Oy 2</ins>" not in page("?q=needle")
    assert "No entries match these filters." in page("?record_type=customer")
    assert "No entries match these filters." in page("?date_to=2000-01-01")
    assert "Searchable Oy 2" in page("?date_from=2000-01-01")
    assert "No entries match these filters." in page("?user=system&kind=note")
    # keyset paging
    history.record_bulk(session, None, [
        {"kind": "create", "record_type": "customer", "record_id": i, "record_name": f"Bulk {i:03d}"} for i in range(120)
    ])
    session.commit()
    html = page("?record_type=customer")
    assert html.count("<tr>") == 51 and "Older entries" in html
    oldest = _entries(session, record_type="customer")[-50].id
    html = page(f"?record_type=customer&before={oldest}")
    assert "Bulk 069" in html and "Bulk 070" not in html and "Newest" in html


def test_audit_log_csv_streams_and_neutralises_formulas(session, admin, client):
    history.record_bulk(session, admin, [
        {"kind": "note", "record_type": "organization", "record_id": 1, "record_name": "=HYPERLINK(\"x\")",
         "note": "+cmd"},
        {"kind": "create", "record_type": "organization", "record_id": 2, "record_name": "Plain AB",
         "changes": [{"field": "name", "old": None, "new": "-1"}]},
    ])
    session.commit()
    login(client, admin)
    response = client.get("/admin/audit-log/export.csv?record_type=organization")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # a BOM, so Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:4] == ["id", "occurred_at_utc", "actor", "kind"]
    by_name = {row[6]: row for row in rows[1:]}
    assert "'=HYPERLINK(\"x\")" in by_name and by_name["'=HYPERLINK(\"x\")"][8] == "'+cmd"
    assert by_name["Plain AB"][7] == "Name: — → -1"
    assert len(rows) == 3


def test_profile_time_zone_is_chosen_from_a_list_and_used(client, session, admin):
    login(client, admin)
    response = client.post("/profile", data={"first_name": "Root", "last_name": "Admin", "language": "en",
                                             "timezone": "Mars/Olympus"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    response = client.post("/profile", data={"first_name": "Root", "last_name": "Admin", "language": "en",
                                             "timezone": "America/New_York"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(type(admin), admin.id).timezone == "America/New_York"
    from datetime import UTC, datetime

    history.record_bulk(session, None, [{"kind": "note", "record_type": "organization", "record_id": 9,
                                         "record_name": "Zoned", "note": "tz"}])
    session.execute(HistoryEntry.__table__.update().values(occurred_at=datetime(2026, 1, 15, 12, 0, tzinfo=UTC)))
    session.commit()
    html = client.get("/admin/audit-log/?kind=note").get_data(as_text=True)
    assert "7:00:00" in html  # 12:00 UTC is 07:00 in New York in January


def test_note_and_note_deletion_need_the_csrf_token(app, session, as_user, make_org):
    from tests.conftest import csrf_token_from

    org = make_org()
    client = as_user("system-admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/admin/organizations/history/note/?id={org.id}", data={"text": "x"}).status_code == 400
        page = client.get(f"/admin/organizations/history/?id={org.id}").get_data(as_text=True)
        token = csrf_token_from(page)
        response = client.post(f"/admin/organizations/history/note/?id={org.id}", data={"text": "ok", "csrf_token": token})
        assert response.status_code == 302
        note = _entries(session, kind="note")[0]
        url = f"/admin/organizations/history/note/delete/?id={org.id}&entry={note.id}"
        assert client.post(url).status_code == 400
        session.expire_all()
        assert session.get(HistoryEntry, note.id).note_deleted_at is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_user_details_has_the_tabs_too(as_user, make_user):
    target = make_user(first_name="Tabitha", last_name="Tab")
    client = as_user("staff")
    html = client.get(f"/admin/users/details/?id={target.id}").get_data(as_text=True)
    assert "Tabitha Tab" in html and f"/admin/users/history/?id={target.id}" in html and "Overview" in html


def test_a_refused_note_shows_why_beside_the_field_and_keeps_the_text(client, session, admin, make_org):
    org = make_org(name="Notable AB")
    login(client, admin)
    before = _count(session)
    response = client.post(f"/admin/organizations/history/note/?id={org.id}", data={"text": "x" * 5001})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'aria-invalid="true"' in html and "x" * 5001 in html
    assert _count(session) == before
