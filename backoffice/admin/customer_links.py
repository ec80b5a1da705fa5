"""Links between customers: add (a relation, a customer picked with the shared picker, a note for
"other") and remove (the shared dialog). Thin: the rules live in services/customer_links.py.

The section is the partial templates/admin/customers/_links.html, which needs only ``customer``: it asks
``customer_links_section(customer)`` (a template global, admin/__init__.py) for its rows and form, so any
customer page can include it. A link is added and removed, never edited, so it carries no version.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField

from backoffice.admin.base import PlainConfirmForm
from backoffice.admin.customer_pages import PerCustomerView, customer_url, option_label
from backoffice.admin.pickers import SEARCH_PARAMS, Picker, PickerField
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models import Customer, CustomerLink
from backoffice.models.roles import can
from backoffice.parsers import Flag, ReturnUrl, accepts, arg
from backoffice.saving import run_service
from backoffice.services import customer_links, customer_scope
from backoffice.services.errors import ServiceError
from backoffice.services.validation import parse_id


class AddLinkForm(Form):
    relation = SelectField(
        _l("This customer is"),
        choices=[(key, label) for key, label in customer_links.RELATION_LABELS.items()],
        default="partner",
        validate_choice=False,  # the service checks it, beside the field
    )
    other_customer = PickerField(
        _l("Customer account"),
        placeholder=_l("Choose a customer account…"),
        description=_l("Only other active customer accounts not linked yet are listed. Type to search by "
                       "organization name or number, or customer number."),
    )
    note = StringField(_l("Note (for “Linked to”)"), [column_length(CustomerLink.__table__.c.note)])


def contacts_url(customer: Customer) -> str:
    """Where the links are shown and where adding or removing one returns: the customer's Contacts tab."""
    return url_for("customer_contacts.index", id=customer.id)


def link_picker(customer: Customer) -> Picker:
    return Picker(Customer, lambda search, limit: customer_links.eligible(db.session, customer, search, limit,
                                                                           actor=current_user._get_current_object()),
                  option_label)


def section(customer: Customer, form: AddLinkForm | None = None) -> dict:
    """What the links partial shows for ``customer``."""
    can_edit = can(current_user, "customers.edit", customer)
    refusal = customer_links.refusal(customer)
    form = form or AddLinkForm()
    if can_edit and refusal is None:
        link_picker(customer).fill(form.other_customer, url_for("customer_links.lookup", customer_id=customer.id))
    return dict(rows=customer_links.links_of(db.session, customer), form=form, can_edit=can_edit,
                refusal=refusal, customer_url=customer_url)


class CustomerLinksView(PerCustomerView):
    def back_url(self, customer: Customer) -> str:
        return contacts_url(customer)

    @expose("/<int:customer_id>/")
    @accepts()
    def index(self, customer_id: int):
        """The links of one customer on a page of their own (also where a refused add is shown)."""
        return self._page(self._customer(customer_id))

    def _page(self, customer, form=None, status=200):
        return self.render("admin/customer_links.html", customer=customer, links_form=form,
                           customer_url=contacts_url(customer)), status

    @expose("/<int:customer_id>/lookup")
    @accepts(**SEARCH_PARAMS)
    def lookup(self, customer_id: int):
        """The picker's search: customers that may be linked, matching ?q=, as JSON."""
        return link_picker(self._customer(customer_id)).results(arg("q"))

    @expose("/<int:customer_id>/add/", methods=("POST",))
    @accepts()
    def add(self, customer_id: int):
        customer = self._customer(customer_id)
        form = AddLinkForm()
        number = parse_id(form.other_customer.data)
        other = db.session.get(Customer, number) if number is not None else None
        if other is not None and not customer_scope.can_see(db.session, self.actor, other):
            other = None  # (issue 14) one the user can't see is no customer for them
        done = run_service(form, lambda: customer_links.add_link(
            db.session, self.actor, customer, other, form.relation.data, form.note.data))
        if done.saved:
            row = [r for r in customer_links.links_of(db.session, customer) if r.id == done.value.id][0]
            flash(_("%(customer)s: %(relation)s %(other)s.", customer=customer, relation=row.label, other=other),
                  "success")
            return redirect(contacts_url(customer))
        return self._page(customer, form=form, status=400)

    @expose("/<int:customer_id>/remove/<int:link_id>/", methods=("GET", "POST"))
    @accepts(url=ReturnUrl(), modal=Flag(), panel=Flag())
    def remove(self, customer_id: int, link_id: int):
        customer = self._customer(customer_id)
        back = contacts_url(customer)
        try:
            link = customer_links.get_link(db.session, customer, link_id)
        except ServiceError as error:
            flash(str(error.message), "error")
            return redirect(back)
        refusal = customer_links.refusal(customer)
        if refusal is not None:
            flash(str(refusal), "error")
            return redirect(back)
        other = str(link.other(customer.id))
        label = str(customer_links.RELATION_LABELS[link.relation_of(customer.id)])
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Remove link"),
            messages=[
                _("%(customer)s will no longer be linked to %(other)s (%(relation)s).",
                  customer=customer, other=other, relation=label),
                _("The link is removed for both customers."),
            ],
            submit_label=_("Remove"),
            danger=True,
            perform=lambda form: customer_links.remove_link(db.session, self.actor, customer, link)
            and _("%(customer)s is no longer linked to %(other)s.", customer=customer, other=other),
        )
