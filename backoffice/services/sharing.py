"""Shared billing accounts (seed 000): which customer accounts are shared with a customer.

A link ``SharedAccount(customer, shared_customer)`` means ``shared_customer`` is shared with ``customer``
for billing. The customer admin of the affected account (``shared_customer``'s admin, the other side
of the link) is told about every change, in the app and by e-mail.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from backoffice.models import Customer, Organization, SharedAccount, User
from backoffice.services.customer_list import searched
from backoffice.services import customer_scope, locking
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.notifications import customer_locale, notify
from backoffice.services.validation import parse_id, search_text

LOOKUP_LIMIT = 20
PORTAL_LINK = "/portal/"

_ALREADY = _l("This customer account is already shared with this customer.")


def _links(session, customer: Customer, *, mine, other, other_side) -> list[SharedAccount]:
    """Links whose ``mine`` column is ``customer``, ordered by the other side's organization name."""
    account = aliased(Customer)
    return list(
        session.scalars(
            select(SharedAccount)
            .join(account, other == account.id)
            .outerjoin(Organization, account.organization_id == Organization.id)
            .where(mine == customer.id)
            .options(joinedload(other_side).joinedload(Customer.admin))
            .order_by(account.display_name, SharedAccount.id)  # (issue 11, private)
        ).unique()
    )


def shared_with(session, customer: Customer) -> list[SharedAccount]:
    """The links of ``customer``: the accounts shared with it, by organization name."""
    return _links(session, customer, mine=SharedAccount.customer_id, other=SharedAccount.shared_customer_id,
                  other_side=SharedAccount.shared_customer)


def shared_to(session, customer: Customer) -> list[SharedAccount]:
    """The other direction: links where ``customer`` is the account shared with someone."""
    return _links(session, customer, mine=SharedAccount.shared_customer_id, other=SharedAccount.customer_id,
                  other_side=SharedAccount.customer)


def can_share(customer: Customer) -> bool:
    """May ``customer`` get (or lose) shared accounts right now?"""
    return customer.deleted_at is None and bool(customer.allow_shared_billing)


def refusal(customer: Customer):
    """Why the shared accounts of ``customer`` can't be changed, or None."""
    if customer.deleted_at is not None:
        return _l("The customer account %(name)s is deleted, so its shared accounts can't be changed.", name=str(customer))
    if not customer.allow_shared_billing:
        return _l(
            "Shared billing accounts are not allowed for %(name)s. Edit the customer and tick "
            "“Allow shared billing accounts” first.",
            name=str(customer),
        )
    return None


def _eligible_filter():
    return (Customer.deleted_at.is_(None), Customer.status == "ACTIVE")


def eligible(session, customer: Customer, search: str | None = None, limit: int = LOOKUP_LIMIT,
             actor: User | None = None) -> list[Customer]:
    """Customers that may be shared with ``customer``: other, active (not deleted, status ACTIVE),
    not shared yet; matched by organization name or number or customer number; at most ``limit``.

    Ordered by the indexed organization name; the search is the customers list's own.
    """
    already = select(SharedAccount.shared_customer_id).where(SharedAccount.customer_id == customer.id)
    limit = max(1, min(int(limit), LOOKUP_LIMIT))
    query = (
        select(Customer)
        .outerjoin(Customer.organization)  # (issue 11, private: private customers have none)
        .options(contains_eager(Customer.organization))
        .where(*_eligible_filter(), Customer.id != customer.id, Customer.id.not_in(already))
        .where(*customer_scope.conditions(actor))  # (issue 14) among the customers ``actor`` may see
        .order_by(Customer.display_name, Customer.id)  # (issue 11, private: the stored display name)
        .limit(limit)
    )
    return list(session.scalars(searched(session, query, search_text(search, 100), limit)))


def _check_can_change(customer: Customer) -> None:
    reason = refusal(customer)
    if reason is not None:
        raise ServiceError(reason)


def add_shared_account(session, actor, customer: Customer, shared_customer: Customer | None) -> SharedAccount:
    """Share ``shared_customer`` with ``customer``; its customer admin is notified."""
    locking.remember_actor(session, actor)
    _check_can_change(customer)
    if shared_customer is None:
        raise ServiceError(_l("Choose a customer account from the list."), "shared_customer")
    if shared_customer.id == customer.id:
        raise ServiceError(_l("A customer account can't be shared with itself."), "shared_customer")
    if shared_customer.deleted_at is not None or shared_customer.status != "ACTIVE":
        raise ServiceError(
            _l("Only an active customer account can be shared; %(name)s is not active.", name=str(shared_customer)),
            "shared_customer",
        )
    exists = session.scalar(
        select(SharedAccount.id).where(
            SharedAccount.customer_id == customer.id, SharedAccount.shared_customer_id == shared_customer.id
        )
    )
    if exists:
        raise ServiceError(_ALREADY, "shared_customer")
    link = SharedAccount(customer_id=customer.id, shared_customer_id=shared_customer.id)
    with unique_guard(
        session,
        {
            "uq_shared_account_pair": ("shared_customer", _ALREADY),
            "shared_account.customer_id, shared_account.shared_customer_id": ("shared_customer", _ALREADY),
        },
    ):
        session.add(link)
    notify(
        session,
        shared_customer.admin,
        _l(
            "Your customer account %(shared)s is now shared with %(customer)s for billing.",
            shared=str(shared_customer),
            customer=str(customer),
        ),
        link=PORTAL_LINK,
        locale=customer_locale(shared_customer),
    )
    return link


def _notify_removed(session, link: SharedAccount) -> None:
    notify(
        session,
        link.shared_customer.admin,
        _l(
            "Your customer account %(shared)s is no longer shared with %(customer)s for billing.",
            shared=str(link.shared_customer),
            customer=str(link.customer),
        ),
        link=PORTAL_LINK,
        locale=customer_locale(link.shared_customer),
    )


def get_link(session, customer: Customer, link_id) -> SharedAccount:
    link, number = None, parse_id(link_id)
    if number is not None:
        link = session.scalar(
            select(SharedAccount).where(SharedAccount.id == number, SharedAccount.customer_id == customer.id)
        )
    if link is None:
        raise ServiceError(_l("This shared account does not exist (any more)."))
    return link


def remove_shared_account(session, actor, customer: Customer, link_or_id) -> Customer:
    """Remove one account shared with ``customer``; its customer admin is notified. Returns the
    customer account that was removed."""
    locking.remember_actor(session, actor)
    _check_can_change(customer)
    link = link_or_id if isinstance(link_or_id, SharedAccount) else get_link(session, customer, link_or_id)
    if link.customer_id != customer.id:
        raise ServiceError(_l("This shared account does not exist (any more)."))
    removed = link.shared_customer
    _notify_removed(session, link)
    session.delete(link)
    session.flush()
    return removed


def set_allow_shared_billing(session, actor, customer: Customer, allow: bool, *, confirmed: bool = False) -> list:
    """Tick or untick "Allow shared billing accounts".

    Unticking while accounts are shared removes those links and notifies their admins; the caller
    must have asked for confirmation first (``confirmed=True``), otherwise this refuses. Returns the
    customer accounts whose link was removed.
    """
    locking.remember_actor(session, actor)
    allow = bool(allow)
    removed = []
    if not allow:
        links = shared_with(session, customer)
        if links and not confirmed:
            raise ServiceError(
                _l(
                    "%(n)d customer accounts are shared with this customer. Unticking removes them; confirm first.",
                    n=len(links),
                ),
                "allow_shared_billing",
            )
        for link in links:
            removed.append(link.shared_customer)
            _notify_removed(session, link)
            session.delete(link)
    customer.allow_shared_billing = allow
    session.flush()
    return removed


def notify_purge(session, actor, customer: Customer) -> None:
    """Before ``customer`` is permanently deleted: tell the admins of the customers its links touched,
    and remove the links (the foreign keys would cascade anyway; this keeps the session honest).
    (``customers.purge_customer`` calls it.)
    """
    locking.remember_actor(session, actor)
    links = session.scalars(
        select(SharedAccount).where(
            or_(SharedAccount.customer_id == customer.id, SharedAccount.shared_customer_id == customer.id)
        )
    ).all()
    told = set()
    for link in links:
        other = link.shared_customer if link.customer_id == customer.id else link.customer
        admin = other.admin
        if admin is not None and (admin.id, other.id) not in told:
            told.add((admin.id, other.id))
            notify(
                session,
                admin,
                _l(
                    "The customer account %(gone)s was permanently deleted; it is no longer linked to %(yours)s "
                    "for shared billing.",
                    gone=str(customer),
                    yours=str(other),
                ),
                link=PORTAL_LINK,
                locale=customer_locale(other),
            )
        session.delete(link)
    session.flush()


def customer_of(session, user) -> Customer | None:
    """The customer account whose admin ``user`` is (deleted ones included), or None."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return session.scalar(select(Customer).where(Customer.admin_user_id == user.id))

