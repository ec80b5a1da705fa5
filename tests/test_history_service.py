"""The recorder's rules: automatic entries in the same transaction, secrets and bookkeeping, bulk, anonymisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.models import BillingInfo, Customer, HistoryEntry, SharedAccount
from backoffice.models.base import utcnow
from backoffice.services import history
from backoffice.services.history import restore
from backoffice.services import organizations as org_service
from backoffice.services import users as user_service
from backoffice.services.errors import ServiceError


@pytest.fixture(autouse=True)
def _request_context(app):
    """Messages are translated lazily: refusals are read inside a request, as the views do."""
    with app.test_request_context():
        yield


def entries(session, record_type=None, record_id=None, kind=None):
    query = select(HistoryEntry).order_by(HistoryEntry.id)
    if record_type:
        query = query.where(HistoryEntry.record_type == record_type)
    if record_id is not None:
        query = query.where(HistoryEntry.record_id == record_id)
    if kind:
        query = query.where(HistoryEntry.kind == kind)
    return list(session.scalars(query))


def count(session):
    return session.scalar(select(func.count()).select_from(HistoryEntry))


def test_create_update_delete_recover_purge_are_recorded_with_the_actor(session, admin, make_org):
    org = make_org(name="Acme AB")
    with history.acting_as(session, admin):
        org_service.update_organization(session, admin, org, name="Acme Nordic AB", phone="+46 8 123 456 78")
        session.commit()
        org_service.soft_delete_organization(session, admin, org)
        session.commit()
        org_service.recover_organization(session, admin, org)
        session.commit()
        org_service.soft_delete_organization(session, admin, org)
        org_service.purge_organization(session, admin, org)
        session.commit()
    rows = entries(session, "organization", org.id)
    assert [e.kind for e in rows] == ["create", "update", "delete", "recover", "delete", "purge"]
    create, change = rows[0], rows[1]
    assert create.actor_id is None and create.actor_name == "system"  # the factory acts as nobody
    assert change.actor_id == admin.id and change.actor_name == "Root Admin"
    assert change.changes == [
        {"field": "name", "old": "Acme AB", "new": "Acme Nordic AB"},
        {"field": "phone", "old": None, "new": "+46812345678"},
    ]
    assert rows[-1].record_name == "Acme Nordic AB"  # the entry outlives the record
    assert change.occurred_at is not None


def test_old_value_is_known_even_after_commit_expired_the_object(session, make_org):
    org = make_org(name="Before")
    session.commit()  # every attribute expired
    org.name = "After"  # set without loading first
    session.commit()
    update = entries(session, "organization", org.id, "update")[0]
    assert update.changes == [{"field": "name", "old": "Before", "new": "After"}]


def test_rollback_leaves_no_entry(session, make_org):
    org = make_org(name="Stays")
    before = count(session)
    org_service.update_organization(session, None, org, name="Rolled back")  # flushes in a savepoint
    session.flush()
    assert count(session) == before + 1  # written in the same transaction…
    session.rollback()
    assert count(session) == before  # …and gone with it
    assert session.get(type(org), org.id).name == "Stays"


def test_a_refused_change_in_a_savepoint_leaves_no_entry(session, make_org):
    make_org(name="One", org_number="111111-1116")
    other = make_org(name="Two", org_number="222222-2222")
    before = count(session)
    with pytest.raises(ServiceError):
        org_service.update_organization(session, None, other, org_number="1111111116")
    session.rollback()
    assert count(session) == before


def test_nothing_is_committed_without_its_entry(app, session, make_org):
    """A failing entry insert fails the whole transaction: the change is not committed either."""
    org = make_org(name="Kept")
    from backoffice.services.history import recorder

    original = recorder._insert

    def broken(*args, **kwargs):
        raise RuntimeError("entry could not be written")

    recorder._insert = broken
    try:
        org.name = "Lost"
        with pytest.raises(RuntimeError):
            session.commit()
        session.rollback()
    finally:
        recorder._insert = original
    assert session.get(type(org), org.id).name == "Kept"


def test_secrets_never_written_and_bookkeeping_ignored(session, admin):
    user = user_service.create_user(
        session, admin, email="p@example.com", first_name="Pia", last_name="P", role="staff",
        password="a-long-secret-password",
    )
    session.commit()
    user_service.set_password(session, admin, user, "another-secret-password")
    session.commit()
    user.last_login_at = utcnow()  # bookkeeping only: no entry
    session.commit()
    rows = entries(session, "user", user.id)
    assert [e.kind for e in rows] == ["create", "password_changed"]
    assert {"field": "password", "changed": True} in rows[0].changes
    text = str([e.changes for e in rows])
    assert "secret" not in text and "pbkdf2" not in text and "password_hash" not in text
    assert "last_login_at" not in text and "updated_at" not in text and "created_at" not in text


def test_photo_is_only_said_to_change(session, admin):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    user_service.set_photo(session, admin, admin, buffer.getvalue())
    session.commit()
    last = entries(session, "user", admin.id)[-1]
    assert last.kind == "update" and last.changes == [{"field": "photo", "changed": True}]


def test_sign_in_events_are_written_and_never_the_password(client, session, admin):
    client.post("/login", data={"email": admin.email, "password": "wrong-password-typed"})
    client.post("/login", data={"email": "nobody@example.com", "password": "wrong-password-typed"})
    client.post("/login", data={"email": admin.email, "password": "correct-horse-battery"})
    client.post("/logout")
    kinds = [(e.kind, e.record_id) for e in entries(session) if e.kind.startswith("sign")]
    assert kinds == [("sign_in_failed", admin.id), ("sign_in_failed", None), ("sign_in", admin.id), ("sign_out", admin.id)]
    failed = entries(session, kind="sign_in_failed")
    assert failed[1].changes == [{"field": "email", "old": None, "new": "nobody@example.com"}]
    assert failed[1].actor_name == "anonymous"
    everything = str([(e.changes, e.note, e.record_name) for e in entries(session)])
    assert "wrong-password-typed" not in everything and "correct-horse-battery" not in everything


def _customer(session, make_org, make_user, name="Kund AB"):
    org = make_org(name=name)
    person = make_user(role="customer-admin", first_name="Karin", last_name="Kund", email=f"karin.{org.id}@kund.se")
    customer = Customer(organization=org, admin_user_id=person.id, customer_number=f"{1000 + org.id}")
    session.add(customer)
    session.commit()
    return customer, person


def test_customer_admin_change_share_unshare_and_billing_are_recorded(session, make_org, make_user):
    a, _person = _customer(session, make_org, make_user, "Alfa AB")
    b, _other = _customer(session, make_org, make_user, "Beta AB")
    new_admin = make_user(role="customer-admin", first_name="Nils", last_name="Ny")
    a.admin_user_id = new_admin.id
    session.commit()
    a.billing = BillingInfo(email="faktura@alfa.se", responsible_person="Anna Alfa")
    session.commit()
    link = SharedAccount(customer_id=a.id, shared_customer_id=b.id)
    session.add(link)
    session.commit()
    session.delete(link)
    session.commit()
    kinds_a = [e.kind for e in entries(session, record_id=a.id) if e.record_type in ("customer", "billing_info")]
    assert kinds_a == ["create", "admin_change", "create", "share", "unshare"]
    admin_change = entries(session, "customer", a.id, "admin_change")[0]
    assert admin_change.changes[0]["field"] == "admin_user_id"
    assert "Nils Ny" in admin_change.changes[0]["new_label"]
    share_b = entries(session, "customer", b.id, "share")[0]
    assert share_b.changes == [{"field": "shared_account", "old": None, "new": "Alfa AB"}]


def test_soft_delete_and_recover_of_a_customer_are_their_own_kinds(session, make_org, make_user):
    customer, _ = _customer(session, make_org, make_user)
    admin_id = customer.admin_user_id
    customer.deleted_at, customer.admin_user_id = utcnow(), None
    session.commit()
    customer.deleted_at, customer.admin_user_id = None, admin_id
    session.commit()
    assert [e.kind for e in entries(session, "customer", customer.id)] == ["create", "delete", "recover"]


def test_purging_a_customer_anonymises_personal_data_but_keeps_what_happened(session, admin, make_org, make_user):
    customer, person = _customer(session, make_org, make_user, "Personal AB")
    customer.billing = BillingInfo(email="karin@kund.se", phone="+46 70 123 45 67", responsible_person="Karin Kund",
                                   address="Storgatan 1")
    session.commit()
    history.add_note(session, admin, "customer", customer.id, "Personal AB", "Called Karin on 070-123 45 67, karin@kund.se")
    session.commit()
    cid = customer.id
    customer.deleted_at, customer.admin_user_id = utcnow(), None
    session.commit()
    session.delete(customer)
    session.commit()
    rows = [e for e in entries(session, record_id=cid) if e.record_type in ("customer", "billing_info")]
    assert [e.kind for e in rows] == ["create", "create", "note", "delete", "purge"]
    text = str([(e.changes, e.note) for e in rows])
    for secret in ("karin@kund.se", "Karin Kund", "123 45 67", person.email):
        assert secret not in text
    assert all(e.record_name == "Personal AB" for e in rows)  # the organization's name stays
    assert "Storgatan 1" in text  # not a person's data
    assert "[removed]" in text
    assert rows[2].note.startswith("Called Karin on")


def test_bulk_form_writes_many_entries_in_one_statement(session, admin):
    n = history.record_bulk(
        session, admin,
        [{"kind": "create", "record_type": "customer", "record_id": i, "record_name": f"Import {i}",
          "changes": [{"field": "customer_number", "old": None, "new": str(i)}]} for i in range(1, 501)],
    )
    session.commit()
    assert n == 500
    rows = entries(session, "customer")
    assert len(rows) == 500 and rows[0].actor_id == admin.id and rows[-1].record_name == "Import 500"


def test_recording_can_be_switched_off_for_measurement(session, make_org):
    org = make_org()
    before = count(session)
    with history.disabled(session):
        org.name = "Unrecorded"
        session.commit()
    assert count(session) == before


def test_notes_delete_rules(session, admin, make_user, make_org):
    org = make_org()
    editor = make_user(role="editor")
    other = make_user(role="editor")
    note = history.add_note(session, editor, "organization", org.id, org.name, "Remember the contract")
    session.commit()
    with pytest.raises(ServiceError):
        history.add_note(session, editor, "organization", org.id, org.name, "   ")
    with pytest.raises(ServiceError):
        history.delete_note(session, other, note)
    history.delete_note(session, editor, note)
    session.commit()
    assert note.note_deleted_at is not None
    deleted = entries(session, "organization", org.id, "note_deleted")
    assert len(deleted) == 1 and deleted[0].actor_id == editor.id
    with pytest.raises(ServiceError):
        history.delete_note(session, admin, note)  # already deleted
    with pytest.raises(ServiceError):
        history.delete_note(session, admin, deleted[0])  # not a note


def test_restore_sets_the_old_value_through_the_service_and_refuses_a_taken_number(session, admin, make_org):
    org = make_org(name="Gamma", org_number="333333-3338")
    with history.acting_as(session, admin):
        org_service.update_organization(session, admin, org, name="Gamma 2", org_number="444444-4444")
        session.commit()
    change = entries(session, "organization", org.id, "update")[0]
    restore.restore_value(session, admin, change, "name")
    session.commit()
    assert org.name == "Gamma"
    restored = entries(session, "organization", org.id, "update")[-1]
    assert restored.changes == [{"field": "name", "old": "Gamma 2", "new": "Gamma"}]
    assert "Restored" in restored.note
    make_org(name="Taker", org_number="3333333338")
    with pytest.raises(ServiceError, match="already exists"):
        restore.restore_value(session, admin, change, "org_number")
    session.rollback()
    assert session.get(type(org), org.id).org_number == "444444-4444"


def test_timeline_pages_newest_first_with_a_cursor(session, make_org):
    org = make_org(name="v0")
    for i in range(1, 30):
        org.name = f"v{i}"
        session.commit()
    first, more = history.timeline(session, "organization", org.id)
    assert more and len(first) == 25 and first[0].changes[0]["new"] == "v29"
    rest, more = history.timeline(session, "organization", org.id, before=first[-1].id)
    assert not more and len(rest) == 5 and rest[-1].kind == "create"
    notes, _ = history.timeline(session, "organization", org.id, group="notes")
    assert notes == []


def test_deleting_a_user_keeps_their_entries_with_their_name(session, admin, make_user, make_org):
    editor = make_user(role="editor", first_name="Gone", last_name="Soon")
    org = make_org()
    with history.acting_as(session, editor):
        org.name = "Edited by someone who leaves"
        session.commit()
    assert user_service.delete_user(session, admin, editor) == "deleted"
    session.commit()
    change = entries(session, "organization", org.id, "update")[0]
    session.refresh(change)
    assert change.actor_id is None and change.actor_name == "Gone Soon"
    assert entries(session, "user", editor.id)[-1].kind == "purge"


def test_the_services_actor_is_the_one_history_records_with_no_request_and_no_second_channel(
    session, admin, make_user, make_org
):
    """One channel (issue 9): the actor a service is given is who the entry and the version stamp name."""
    editor = make_user(role="editor", first_name="Edda", last_name="Editor")
    org = make_org()
    session.info["actor"] = admin  # the old second channel: read by nothing now
    try:
        org_service.update_organization(session, editor, org, name="Set by the editor")
        session.commit()
    finally:
        session.info.pop("actor")
    entry = entries(session, "organization", org.id, "update")[0]
    assert (entry.actor_id, entry.actor_name) == (editor.id, "Edda Editor")
    assert org.updated_by_id == editor.id
    org.name = "Changed by a script"  # no service, nobody named: the system
    session.commit()
    entry = entries(session, "organization", org.id, "update")[-1]
    assert (entry.actor_id, entry.actor_name) == (None, "system")


def test_shares_and_purges_name_the_services_actor(session, admin):
    """Every transition that writes a tracked record names its actor itself (no request sets one)."""
    from backoffice.services import customers as customer_service
    from backoffice.services import sharing
    from tests.customer_helpers import customer

    one, other = customer(session, allow_shared_billing=True), customer(session)
    sharing.add_shared_account(session, admin, one, other)
    session.commit()
    share = entries(session, "customer", one.id, "share")[0]
    assert (share.actor_id, share.actor_name) == (admin.id, admin.full_name)
    customer_service.soft_delete_customer(session, admin, other)
    session.commit()
    customer_service.purge_customer(session, admin, other)
    session.commit()
    unshare = entries(session, "customer", one.id, "unshare")[0]
    purge = entries(session, "customer", other.id, "purge")[0]
    assert unshare.actor_id == admin.id and purge.actor_id == admin.id
