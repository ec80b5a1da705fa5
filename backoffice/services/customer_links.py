"""Links between customers (seeds 001, 004): parent company ↔ subsidiary, partner ↔ partner, other.

A link is one row for the pair (models/customer_link.py) and reads right from both sides whichever side
created it; removing it removes it for both. Only an active customer (not deleted, status ACTIVE) can be
picked as a new link's target (seed 001: deactivated customers can't be selected for new work); existing
links to a customer deactivated later stay and are shown. History files each add and remove on both
customers' timelines (the model's recorder).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from backoffice.models import Customer, CustomerLink, User
from backoffice.models.customer_link import NOTE_LENGTH
from backoffice.services import customer_scope, locking
from backoffice.services.customer_list import searched
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import parse_id, search_text

LOOKUP_LIMIT = 20
# What the acting side says the other side is to it -> (kind, is the acting side the parent).
RELATIONS = ("parent_of", "subsidiary_of", "partner", "other")
RELATION_LABELS = {
    "parent_of": _l("Parent company of"),
    "subsidiary_of": _l("Subsidiary of"),
    "partner": _l("Partner of"),
    "other": _l("Linked to"),
}
_ALREADY = _l("These customers are already linked. Remove the link first to change it.")
_GONE = _l("This link does not exist (any more).")


@dataclass(frozen=True)
class LinkRow:
    """One link as ``customer``'s page shows it."""

    link: CustomerLink
    other: Customer
    relation: str

    @property
    def label(self) -> str:
        return str(RELATION_LABELS[self.relation])

    @property
    def id(self) -> int:
        return self.link.id

    @property
    def note(self) -> str | None:
        return self.link.note


def _involving(customer_id: int):
    return or_(CustomerLink.low_customer_id == customer_id, CustomerLink.high_customer_id == customer_id)


def links_of(session, customer: Customer) -> list[LinkRow]:
    """The links of ``customer``, each worded from its side, ordered by the other side's name."""
    links = session.scalars(select(CustomerLink).where(_involving(customer.id))).all()
    rows = [LinkRow(link, link.other(customer.id), link.relation_of(customer.id)) for link in links]
    return sorted(rows, key=lambda r: (str(r.other).lower(), r.other.id))


def is_pickable(customer: Customer | None) -> bool:
    """May ``customer`` be picked for new work (a link's target, a new shared account)?"""
    return customer is not None and customer.deleted_at is None and customer.status == "ACTIVE"


def eligible(session, customer: Customer, search: str | None = None, limit: int = LOOKUP_LIMIT,
             actor: User | None = None) -> list[Customer]:
    """Customers ``customer`` may be linked to: active, not deleted, not itself, not linked yet;
    matched by the customers list's own search; at most ``limit``, by organization name."""
    linked = select(CustomerLink.high_customer_id).where(CustomerLink.low_customer_id == customer.id).union(
        select(CustomerLink.low_customer_id).where(CustomerLink.high_customer_id == customer.id)
    )
    limit = max(1, min(int(limit), LOOKUP_LIMIT))
    query = (
        select(Customer)
        .outerjoin(Customer.organization)  # (issue 11, private: private customers have none)
        .options(contains_eager(Customer.organization))
        .where(Customer.deleted_at.is_(None), Customer.status == "ACTIVE", Customer.id != customer.id,
               Customer.id.not_in(linked))
        .where(*customer_scope.conditions(actor))  # (issue 14) among the customers ``actor`` may see
        .order_by(Customer.display_name, Customer.id)  # (issue 11, private: the stored display name)
        .limit(limit)
    )
    return list(session.scalars(searched(session, query, search_text(search, 100), limit)))


def refusal(customer: Customer):
    """Why ``customer``'s links can't be changed now, or None."""
    if customer.deleted_at is not None:
        return _l("The customer account %(name)s is deleted, so its links can't be changed.", name=str(customer))
    return None


def add_link(session, actor, customer: Customer, other: Customer | None, relation: str | None,
             note: str | None = None) -> CustomerLink:
    """Link ``customer`` to ``other``: ``relation`` is what ``customer`` is to ``other`` (parent_of,
    subsidiary_of, partner, other); ``note`` only for other (optional)."""
    locking.remember_actor(session, actor)
    reason = refusal(customer)
    if reason is not None:
        raise ServiceError(reason)
    if relation not in RELATIONS:
        raise ServiceError(_l("Choose how the customers are linked."), "relation")
    if other is None:
        raise ServiceError(_l("Choose a customer account from the list."), "other_customer")
    if other.id == customer.id:
        raise ServiceError(_l("A customer account can't be linked to itself."), "other_customer")
    if not is_pickable(other):
        raise ServiceError(
            _l("Only an active customer account can be linked; %(name)s is not active.", name=str(other)),
            "other_customer",
        )
    note = (note or "").strip() or None
    if relation != "other":
        note = None
    elif note is not None and len(note) > NOTE_LENGTH:
        raise ServiceError(
            _l("At most %(max)d characters (you typed %(length)d).", max=NOTE_LENGTH, length=len(note)), "note"
        )
    low, high = sorted((customer.id, other.id))
    exists = session.scalar(
        select(CustomerLink.id).where(CustomerLink.low_customer_id == low, CustomerLink.high_customer_id == high)
    )
    if exists:
        raise ServiceError(_ALREADY, "other_customer")
    kind = "parent" if relation in ("parent_of", "subsidiary_of") else relation
    parent = None
    if kind == "parent":
        parent = customer.id if relation == "parent_of" else other.id
    link = CustomerLink(low_customer_id=low, high_customer_id=high, kind=kind, parent_customer_id=parent, note=note)
    with unique_guard(
        session,
        {
            "uq_customer_link_pair": ("other_customer", _ALREADY),
            "customer_link.low_customer_id, customer_link.high_customer_id": ("other_customer", _ALREADY),
        },
    ):
        session.add(link)
    return link


def get_link(session, customer: Customer, link_id) -> CustomerLink:
    """The link ``link_id`` of ``customer`` (either side), or a ServiceError."""
    link, number = None, parse_id(link_id)
    if number is not None:
        link = session.scalar(select(CustomerLink).where(CustomerLink.id == number, _involving(customer.id)))
    if link is None:
        raise ServiceError(_GONE)
    return link


def remove_link(session, actor, customer: Customer, link_or_id) -> Customer:
    """Remove one link of ``customer`` (for both sides: it is one row). Returns the other customer."""
    locking.remember_actor(session, actor)
    reason = refusal(customer)
    if reason is not None:
        raise ServiceError(reason)
    link = link_or_id if isinstance(link_or_id, CustomerLink) else get_link(session, customer, link_or_id)
    if customer.id not in (link.low_customer_id, link.high_customer_id):
        raise ServiceError(_GONE)
    other = link.other(customer.id)
    session.delete(link)
    session.flush()
    return other
