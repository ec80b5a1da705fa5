"""Manage shared accounts: the customer accounts shared with one customer (add, remove).

Hidden from the sidebar; opened from the customer's row menu and the MANAGE button on its details page.
Thin: the rules live in services/sharing.py.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from backoffice.admin.base import PlainConfirmForm
from backoffice.admin.customer_pages import PerCustomerView, customer_url, option_label
from backoffice.admin.pickers import SEARCH_PARAMS, Picker, PickerField
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.models import Customer
from backoffice.models.roles import can
from backoffice.parsers import Flag, ReturnUrl, Text, accepts, arg
from backoffice.saving import run_service
from backoffice.services import customer_scope, sharing
from backoffice.services.errors import ServiceError
from backoffice.services.validation import parse_id


class AddSharedAccountForm(Form):
    shared_customer = PickerField(
        _l("Customer account"),
        placeholder=_l("Choose a customer account…"),
        description=_l("Only other active customer accounts not shared yet are listed. Type to search by "
                       "organization name or number, or customer number."),
    )


def shared_picker(customer: Customer) -> Picker:
    """The customer accounts that may be shared with ``customer`` (the service decides which)."""
    return Picker(Customer, lambda search, limit: sharing.eligible(
        db.session, customer, search, limit, actor=current_user._get_current_object()), option_label)


class SharedAccountsView(PerCustomerView):
    def _page(self, customer, form=None, status=200):
        search = arg("search")
        can_edit = self.can_edit()
        refusal = sharing.refusal(customer)
        form = form or AddSharedAccountForm()
        if can_edit and refusal is None:
            shared_picker(customer).fill(
                form.shared_customer, url_for(".lookup", customer_id=customer.id), search=search
            )
        return (
            self.render(
                "admin/shared_accounts.html",
                customer=customer,
                links=sharing.shared_with(db.session, customer),
                refusal=refusal,
                can_edit=can_edit,
                form=form,
                search=search,
                customer_url=customer_url(customer),
                lookup_limit=sharing.LOOKUP_LIMIT,
            ),
            status,
        )

    def can_edit(self) -> bool:
        return can(current_user, "customers.edit")

    @expose("/<int:customer_id>/")
    @accepts(search=Text(200))
    def index(self, customer_id: int):
        return self._page(self._customer(customer_id))

    @expose("/<int:customer_id>/lookup")
    @accepts(**SEARCH_PARAMS)
    def lookup(self, customer_id: int):
        """The picker's search: eligible customers matching ?q=, at most 20, as JSON."""
        customer = self._customer(customer_id)
        if sharing.refusal(customer) is not None:
            return jsonify(results=[])
        return shared_picker(customer).results(arg("q"))

    @expose("/<int:customer_id>/add/", methods=("POST",))
    @accepts(search=Text(200))
    def add(self, customer_id: int):
        customer = self._customer(customer_id)
        form = AddSharedAccountForm()
        form.shared_customer.choices = []
        number = parse_id(form.shared_customer.data)
        other = db.session.get(Customer, number) if number is not None else None
        if other is not None and not customer_scope.can_see(db.session, self.actor, other):
            other = None  # (issue 14) one the user can't see is no customer for them
        if run_service(form, lambda: sharing.add_shared_account(db.session, self.actor, customer, other)).saved:
            flash(_("%(shared)s is now shared with %(customer)s.", shared=other, customer=customer), "success")
            return redirect(self.back_url(customer))
        return self._page(customer, form=form, status=400)

    @expose("/<int:customer_id>/remove/<int:link_id>/", methods=("GET", "POST"))
    @accepts(url=ReturnUrl(), modal=Flag(), panel=Flag())
    def remove(self, customer_id: int, link_id: int):
        customer = self._customer(customer_id)
        try:
            link = sharing.get_link(db.session, customer, link_id)
        except ServiceError as error:
            flash(str(error.message), "error")
            return redirect(self.back_url(customer))
        refusal = sharing.refusal(customer)
        if refusal is not None:
            flash(str(refusal), "error")
            return redirect(self.back_url(customer))
        shared_name = str(link.shared_customer)
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Remove shared account"),
            messages=[
                _("%(shared)s will no longer be shared with %(customer)s.", shared=shared_name, customer=customer),
                _("The customer admin of %(shared)s will be notified.", shared=shared_name),
            ],
            submit_label=_("Remove"),
            danger=True,
            perform=lambda form: sharing.remove_shared_account(db.session, self.actor, customer, link)
            and _("%(shared)s is no longer shared with %(customer)s.", shared=shared_name, customer=customer),
        )
