"""Saved views of the customers list (issue 11): the rules at the service layer — params normalized
(unknown names and empty values dropped), names unique per owner and among shared views (also in the
database), sharing needs customers.share_views, rename and delete are the owner's, what each user sees,
a deleted group is said instead of silently showing everything, and History."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.models import HistoryEntry, SavedView
from backoffice.models.roles import ROLES
from backoffice.services import customer_groups as groups
from backoffice.services import saved_views as service
from backoffice.services.errors import ConflictError, ServiceError


@pytest.fixture
def editor(make_user):
    return make_user(role="editor", first_name="Eda", last_name="Editor")


@pytest.fixture
def staff(make_user):
    return make_user(role="staff", first_name="Sten", last_name="Staff")


def _save(session, actor, name, params=None, shared=False):
    view = service.save(session, actor, name, params or {}, shared=shared)
    session.commit()
    return view


def _refused(session, work, field=None):
    with pytest.raises(ServiceError) as caught:
        work()
    session.rollback()
    assert caught.value.field == field
    return str(caught.value.message)


# --- params -------------------------------------------------------------------------------------------


def test_params_are_normalized_unknown_names_empty_values_and_defaults_dropped():
    params = {"search": "  acme ", "status": "all", "group": 3, "sort": 0, "desc": True, "page": 4,
              "page_size": 50, "evil": "x", "type": None}
    assert service.normalize(params) == {"search": "acme", "group": 3, "sort": 0, "desc": True}
    assert service.normalize({"desc": False, "search": "", "status": "active", "group": [1, 2]}) == {"status": "active"}
    assert service.normalize({"group": 2**40, "search": "a\x00b"}) == {"search": "ab"}
    assert service.normalize(None) == {}
    assert service.url_params({"desc": True, "sort": 1}) == {"sort": 1, "desc": 1}


def test_saved_params_are_stored_normalized(session, editor):
    view = _save(session, editor, "Mine", {"search": "ab", "status": "inactive", "page": 3, "x": "y"})
    session.expire_all()
    assert session.get(SavedView, view.id).params == {"search": "ab", "status": "inactive"}


def test_is_active_compares_the_normalized_urls(session, editor):
    view = _save(session, editor, "Mine", {"search": "ab", "status": "inactive"})
    assert service.is_active(view, {"status": "inactive", "search": "ab", "page": 2})
    assert not service.is_active(view, {"status": "inactive"})
    assert not service.is_active(view, {"status": "inactive", "search": "ab", "desc": True})


# --- names --------------------------------------------------------------------------------------------


def test_a_name_is_required_and_unique_per_owner_regardless_of_case(session, editor, staff):
    assert _refused(session, lambda: service.save(session, editor, "   ", {}), "name") == "Enter a name."
    _save(session, editor, "Key accounts")
    message = _refused(session, lambda: service.save(session, editor, "key ACCOUNTS", {}), "name")
    assert message == "You already have a saved view with this name."
    assert _save(session, staff, "Key accounts").owner_id == staff.id  # another owner's private view: fine
    assert _refused(session, lambda: service.save(session, editor, "x" * 101, {}), "name")


def test_shared_names_are_unique_among_shared_views(session, editor, admin):
    _save(session, admin, "Active ones", shared=True)
    message = _refused(session, lambda: service.save(session, editor, "active ones", {}, shared=True), "name")
    assert message == "A shared view with this name already exists."
    assert not _save(session, editor, "Active ones").shared  # private with the same name is allowed


def test_the_database_refuses_duplicate_and_blank_names(session, editor, admin):
    _save(session, editor, "Mine")
    session.add(SavedView(owner_id=editor.id, name="MINE", name_key="mine", params={}))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    _save(session, admin, "Everyone", shared=True)
    session.add(SavedView(owner_id=editor.id, name="everyone", name_key="everyone", params={}, shared=True))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(SavedView(owner_id=editor.id, name="  ", name_key="x", params={}))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# --- sharing and permissions ----------------------------------------------------------------------------


def test_sharing_needs_the_permission(session, staff, editor, admin):
    assert "customers.share_views" in ROLES["system-admin"] and "customers.share_views" in ROLES["editor"]
    assert "customers.share_views" not in ROLES["staff"]
    message = _refused(session, lambda: service.save(session, staff, "Team", {}, shared=True), "shared")
    assert message == "You may not share views with everyone."
    assert session.scalars(select(SavedView)).all() == []
    assert _save(session, editor, "Team", shared=True).shared


def test_saving_at_all_needs_customers_view(session, make_user):
    guest = make_user(role="guest")
    _refused(session, lambda: service.save(session, guest, "Mine", {}))
    assert service.visible(session, guest) == []


def test_everyone_sees_their_own_then_the_shared_views_never_others_private_ones(session, staff, editor, admin):
    _save(session, admin, "Zeta shared", shared=True)
    _save(session, admin, "Admin private")
    _save(session, editor, "beta mine")
    _save(session, editor, "Alpha mine", shared=True)
    assert [v.name for v in service.visible(session, editor)] == ["Alpha mine", "beta mine", "Zeta shared"]
    assert [v.name for v in service.visible(session, staff)] == ["Alpha mine", "Zeta shared"]
    private = session.scalar(select(SavedView).where(SavedView.name == "Admin private"))
    _refused(session, lambda: service.get_visible(session, staff, private.id))
    assert service.get_visible(session, admin, private.id) is private


# --- rename and delete -----------------------------------------------------------------------------------


def test_rename_is_the_owner_s_versioned_and_unique(session, editor, admin):
    view = _save(session, admin, "Shared", shared=True)
    other = _save(session, admin, "Other")
    assert _refused(session, lambda: service.rename(session, editor, view, "Mine")) == \
        "Only the owner can rename this saved view."
    assert _refused(session, lambda: service.rename(session, admin, other, "SHARED"), "name")  # own name taken
    service.rename(session, admin, view, "Shared renamed", expected_version=view.version)
    session.commit()
    assert view.name == "Shared renamed" and view.name_key == "shared renamed" and view.version == 2
    with pytest.raises(ConflictError):
        service.rename(session, admin, view, "Stale", expected_version=1)
    session.rollback()


def test_delete_is_the_owner_s(session, editor, admin):
    view = _save(session, admin, "Shared", shared=True)
    assert _refused(session, lambda: service.delete(session, editor, view)) == \
        "Only the owner can delete this saved view."
    assert service.delete(session, admin, view) == "Shared"
    session.commit()
    assert session.scalars(select(SavedView)).all() == []


def test_a_deleted_owner_takes_their_views_along(session, editor):
    _save(session, editor, "Mine")
    session.delete(editor)
    session.commit()
    assert session.scalars(select(SavedView)).all() == []


# --- resolve ---------------------------------------------------------------------------------------------


def test_resolve_gives_the_list_params_and_says_when_the_group_was_deleted(session, editor):
    group = groups.create_group(session, None, name="Key accounts")
    session.commit()
    view = _save(session, editor, "Key", {"group": group.id, "status": "active", "desc": True})
    found = service.resolve(session, view)
    assert found.params == {"status": "active", "group": group.id, "desc": 1} and found.notices == []
    groups.delete_group(session, None, group)
    session.commit()
    found = service.resolve(session, view)
    assert found.params["group"] == group.id  # the URL still names it: the list says it is gone too
    assert [str(n) for n in found.notices] == [
        "This saved view names a customer group that has been deleted, so it shows no customers. "
        "Choose another group and save the view again."]
    assert service.resolve(session, _save(session, editor, "Plain", {"search": "x"})).notices == []


# --- History -------------------------------------------------------------------------------------------


def test_saving_and_renaming_are_in_history(session, editor):
    view = _save(session, editor, "First")
    service.rename(session, editor, view, "Second")
    session.commit()
    entries = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "saved_view")
                              .order_by(HistoryEntry.id)).all()
    assert [e.kind for e in entries] == ["create", "update"]
    assert {"field": "name", "old": "First", "new": "Second"} in entries[1].changes
    assert all(e.actor_id == editor.id for e in entries)
