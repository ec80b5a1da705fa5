"""Saved views of the customers list (issue 11): save the list's search, filters and sort under a name,
private or shared with everyone (permission ``customers.share_views``); rename and delete are the owner's.

A view's ``params`` are the list's query, normalized (``normalize``): only the names in ``LIST_PARAMS``,
none at its default or empty. A filter added to the list is kept by saved views by adding its name to
``LIST_PARAMS`` (the admin reads each one through the parser the customers list declares for it); one that
names a record which can be deleted (a customer group) is also named in ``REFERENCES``, so that opening
the view says the record is gone instead of silently showing every customer.

Every function takes (session, actor, …) and flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from backoffice.models import CustomerGroup, LocationGroup, User
from backoffice.models.roles import can
from backoffice.models.saved_view import SavedView
from backoffice.services import locking
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import check_lengths, check_text, search_text

# The customers list's query parameters a saved view keeps, in the order the URL names them.
# (issue 11's other filters join here by name: "type", "payment_method", "location_group".)
LIST_PARAMS = ("search", "status", "group", "customer_type", "payment_method", "location_group", "assigned",  # (14)
               "assigned_column", "sort", "desc")
# A parameter at the list's default is not stored (the list without it shows the same).
DEFAULTS = {"status": "all"}
# Parameters that name a record: the model and what opening the view says when the record is gone.
REFERENCES = {
    "group": (CustomerGroup, _l("This saved view names a customer group that has been deleted, so it shows "
                                "no customers. Choose another group and save the view again.")),
    "location_group": (LocationGroup, _l("This saved view names a location group that has been deleted, so it "
                                         "shows no customers. Choose another location group and save the view again.")),
}
TEXT_MAX = 200
ID_MAX = 2**31 - 1

_OWN_TAKEN = _l("You already have a saved view with this name.")
_SHARED_TAKEN = _l("A shared view with this name already exists.")
_GUARD = {
    "uq_saved_view_owner_name": ("name", _OWN_TAKEN),
    "saved_view.owner_id, saved_view.name_key": ("name", _OWN_TAKEN),
    "uq_saved_view_shared_name": ("name", _SHARED_TAKEN),
    "saved_view.name_key": ("name", _SHARED_TAKEN),
}


@dataclass
class Resolved:
    """What opening a view gives: the list's query parameters and what to tell the user."""

    params: dict
    notices: list = field(default_factory=list)


def normalize(params: Mapping | None) -> dict:
    """The list's known parameters of ``params`` (already parsed: text, ids, a flag), without empty ones,
    ones at their default, and values of a kind the list can't have (lists, objects, huge numbers)."""
    found = {}
    for name in LIST_PARAMS:
        value = (params or {}).get(name)
        if value is None or value is False or DEFAULTS.get(name) == value:
            continue
        if value is True:
            found[name] = True
        elif isinstance(value, int):
            if 0 <= value <= ID_MAX:
                found[name] = value
        elif isinstance(value, str):
            text = search_text(value, TEXT_MAX)
            if text and DEFAULTS.get(name) != text:
                found[name] = text
    return found


def url_params(params: Mapping) -> dict:
    """``params`` as the list's URL writes them (a flag is 1)."""
    return {name: (1 if value is True else value) for name, value in normalize(params).items()}


# --- reading ---------------------------------------------------------------------------------------


def _require_view(actor) -> None:
    if not can(actor, "customers.view"):
        raise ServiceError(_l("You may not use saved views of the customers list."))


def visible(session, actor: User) -> list[SavedView]:
    """The views ``actor`` may open: their own (by name), then the others' shared ones (by name)."""
    if not can(actor, "customers.view"):
        return []
    rows = session.scalars(
        select(SavedView)
        .where(or_(SavedView.owner_id == actor.id, SavedView.shared.is_(True)))
        .order_by(SavedView.owner_id != actor.id, SavedView.name_key, SavedView.id)
    )
    return list(rows)


def get_visible(session, actor: User, view_id) -> SavedView:
    """The view with this id when ``actor`` may open it (theirs, or shared)."""
    _require_view(actor)
    view = session.get(SavedView, view_id) if isinstance(view_id, int) and 0 < view_id <= ID_MAX else None
    if view is None or (view.owner_id != actor.id and not view.shared):
        raise ServiceError(_l("This saved view no longer exists."))
    return view


def resolve(session, view: SavedView) -> Resolved:
    """The list's URL parameters of ``view``, and a notice for each record it names that is gone."""
    params = url_params(view.params or {})
    notices = []
    for name, (model, notice) in REFERENCES.items():
        value = params.get(name)
        if value is not None and (not value or session.get(model, value) is None):
            notices.append(notice)
    return Resolved(params=params, notices=notices)


def is_active(view: SavedView, current: Mapping) -> bool:
    """The list shows exactly ``view``: its URL (normalized) equals the view's."""
    return normalize(view.params or {}) == normalize(current)


# --- writing ---------------------------------------------------------------------------------------


def _clean_name(session, actor: User, name, own: SavedView | None, shared: bool) -> tuple[str, str]:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ServiceError(_l("Enter a name."), "name")
    check_text(name, "name")
    check_lengths(SavedView, {"name": name})
    key = name.lower()
    others = select(SavedView).where(SavedView.name_key == key)
    if own is not None:
        others = others.where(SavedView.id != own.id)
    if session.scalar(others.where(SavedView.owner_id == actor.id).limit(1)) is not None:
        raise ServiceError(_OWN_TAKEN, "name")
    if shared and session.scalar(others.where(SavedView.shared.is_(True)).limit(1)) is not None:
        raise ServiceError(_SHARED_TAKEN, "name")
    return name, key


def save(session, actor: User, name, params: Mapping | None, shared: bool = False) -> SavedView:
    """A new view of ``actor``'s: ``params`` normalized; shared with everyone only with the permission."""
    locking.remember_actor(session, actor)
    _require_view(actor)
    shared = shared is True
    if shared and not can(actor, "customers.share_views"):
        raise ServiceError(_l("You may not share views with everyone."), "shared")
    name, key = _clean_name(session, actor, name, None, shared)
    view = SavedView(owner_id=actor.id, name=name, name_key=key, params=normalize(params), shared=shared)
    with unique_guard(session, _GUARD):
        session.add(view)
    return view


def may_change(actor: User | None, view: SavedView) -> bool:
    """Renaming and deleting a view are its owner's."""
    return actor is not None and getattr(actor, "id", None) == view.owner_id


def _require_owner(actor: User, view: SavedView, message) -> None:
    if not may_change(actor, view):
        raise ServiceError(message)


def rename(session, actor: User, view: SavedView, name, *, expected_version=None) -> SavedView:
    """A new name for the owner's view (versioned: a stale form is refused as a conflict)."""
    _require_view(actor)
    _require_owner(actor, view, _l("Only the owner can rename this saved view."))
    locking.check_version(session, actor, view, expected_version)
    name, key = _clean_name(session, actor, name, view, view.shared)
    with locking.stale_guard(session, actor, view), unique_guard(session, _GUARD):
        if view.name != name:
            view.name, view.name_key = name, key
    return view


def delete(session, actor: User, view: SavedView) -> str:
    """Delete the owner's view; gives its name."""
    locking.remember_actor(session, actor)
    _require_view(actor)
    _require_owner(actor, view, _l("Only the owner can delete this saved view."))
    name = view.name
    with locking.stale_guard(session, actor, view):
        session.delete(view)
        session.flush()
    return name
