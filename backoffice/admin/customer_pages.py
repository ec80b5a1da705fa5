"""What the pages about one customer's relations share: its shared accounts (admin/shared_accounts.py)
and its links to other customers (admin/customer_links.py). Both live at ``/<customer_id>/…``, show the
customer's relations to view (customers.view) and add, look up and remove them to edit (customers.edit)."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from backoffice.admin.base import SecureBaseView, customer_or_404, record_or_404
from backoffice.extensions import db
from backoffice.models import Customer
from backoffice.parsers import accepts


def option_label(customer: Customer) -> str:
    """A customer as a picker lists it: "Name (org number) · customer number 123"."""
    org = customer.organization
    parts = [org.name if org else f"#{customer.id}"]
    if org and org.org_number:
        parts.append(f"({org.org_number})")
    if customer.customer_number:
        parts.append("· " + _("customer number %(n)s", n=customer.customer_number))
    return " ".join(parts)


def customer_url(customer: Customer) -> str | None:
    """The customer's details page (the customers view's), or its list, if registered."""
    for endpoint, kw in (("customers.details_view", {"id": customer.id}), ("customers.index_view", {})):
        try:
            return url_for(endpoint, **kw)
        except BuildError:
            continue
    return None


class PerCustomerView(SecureBaseView):
    """A page of one customer's relations; a subclass says where it returns (``back_url``)."""

    endpoint_permissions = {
        "home": "customers.view",
        "index": "customers.view",
        "lookup": "customers.edit",
        "add": "customers.edit",
        "remove": "customers.edit",
    }

    def _customer(self, customer_id: int) -> Customer:
        return customer_or_404(self, record_or_404(Customer, customer_id))  # (issue 14: in the user's scope)

    def back_url(self, customer: Customer) -> str:
        """Where adding or removing returns (and a dialog's Cancel goes): this view's page of the customer."""
        return url_for(".index", customer_id=customer.id)

    def list_url(self) -> str:
        customer = db.session.get(Customer, request.view_args["customer_id"])
        return self.back_url(customer) if customer is not None else url_for("admin.index")

    @expose("/")
    @accepts()
    def home(self):
        """No customer named: the customers list."""
        try:
            return redirect(url_for("customers.index_view"))
        except BuildError:
            return redirect(url_for("admin.index"))
