"""The Contacts tab of a customer's page (seeds 001, 004) and the managed list of contact roles.

Thin: parse the request, check the permission (fail closed), call services/contacts.py through
saving.run_service, show the outcome. Add and edit open in the shared side panel (_panel_form.html);
remove is a named confirmation dialog. A deleted customer's contacts are read-only.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from backoffice.admin.base import PlainConfirmForm, SecureBaseView, customer_or_404, record_or_404, redirect_after_post
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models import Contact, ContactRole, Customer
from backoffice.models.customer import CUSTOMER_LANGUAGES
from backoffice.models.roles import can
from backoffice.parsers import DIALOG, Flag, Id, accepts, arg
from backoffice.saving import run_service, saved_message
from backoffice.services import contacts as service


def _optional_id(value):
    """A select's value as an id, or None (the empty choice, or anything that is not an id)."""
    from backoffice.services.validation import parse_id

    if value in (None, "", "None"):
        return None
    return value if isinstance(value, int) else parse_id(value)


class ContactForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), column_length(Contact.first_name)])
    last_name = StringField(_l("Last name"), validators=[column_length(Contact.last_name)])
    title = StringField(_l("Title"), validators=[column_length(Contact.title)],
                        description=_l("Free text; titles already in use are suggested."))
    role_id = SelectField(_l("Contact role"), coerce=_optional_id, validators=[Optional()])
    email = StringField(_l("E-mail"), validators=[column_length(Contact.email)])
    phone = StringField(_l("Phone"), validators=[column_length(Contact.phone)])
    language = SelectField(_l("Language"), validators=[Optional()])
    send_service_protocol = BooleanField(_l("Send service protocol"))
    send_work_orders = BooleanField(_l("Send work orders"))
    is_primary = BooleanField(_l("Primary contact"),
                              description=_l("The customer has one primary contact: this one replaces the previous one."))

    def fill_choices(self) -> None:
        self.role_id.choices = [(None, _("— No role —"))] + [(r.id, r.name) for r in service.roles(db.session)]
        self.language.choices = [("", _("— Not set —"))] + [(code, name) for code, name in CUSTOMER_LANGUAGES.items()]

    def values(self) -> dict:
        return {
            "first_name": self.first_name.data, "last_name": self.last_name.data, "title": self.title.data,
            "role_id": self.role_id.data, "email": self.email.data, "phone": self.phone.data,
            "language": self.language.data or None,
            "send_service_protocol": self.send_service_protocol.data, "send_work_orders": self.send_work_orders.data,
            "is_primary": self.is_primary.data,
        }


class ContactEditForm(ContactForm):
    version = VersionField()


def customer_tabs(customer: Customer, active: str) -> list[dict]:
    """The customer page's tabs as CustomerView.record_tabs gives them (one definition: it calls this)."""
    return [
        {"key": "overview", "label": _("Overview"), "url": url_for("customers.details_view", id=customer.id),
         "active": active == "overview"},
        {"key": "contacts", "label": _("Contacts"), "url": url_for("customer_contacts.index", id=customer.id),
         "active": active == "contacts"},
        {"key": "history", "label": _("Timeline"), "url": url_for("customers.history_view", id=customer.id),
         "active": active == "history"},
    ]


class CustomerContactsView(SecureBaseView):
    """/admin/customers/contacts/?id=<customer>: the Contacts tab; add, edit, make primary, remove."""

    endpoint_permissions = {
        "index": "customers.view",
        "new_view": "customers.edit",
        "edit_view": "customers.edit",
        "primary_view": "customers.edit",
        "remove_view": "customers.edit",
    }

    def _customer_or_404(self, customer_id) -> Customer:
        return customer_or_404(self, record_or_404(Customer, customer_id))  # (issue 14: in the user's scope)

    def _contact_or_404(self, contact_id) -> Contact:
        contact = record_or_404(Contact, contact_id)
        customer_or_404(self, contact.customer)
        return contact

    def _tab_url(self, customer) -> str:
        return url_for(".index", id=customer.id)

    def list_url(self) -> str:  # (where a dialog's Cancel goes)
        contact = db.session.get(Contact, arg("id")) if arg("id") is not None else None
        return self._tab_url(contact.customer) if contact is not None else url_for("customers.index_view")

    def _refuse_deleted(self, customer):
        if customer.is_deleted:
            flash(_("A deleted customer's contacts can't be changed. Recover the customer first."), "error")
            return redirect(self._tab_url(customer))
        return None

    @expose("/")
    @accepts(id=Id(), saved=Id())
    def index(self):
        customer = self._customer_or_404(arg("id"))
        editable = can(current_user, "customers.edit", customer) and not customer.is_deleted
        return self.render(
            "admin/customers/contacts.html",
            customer=customer,
            contacts=service.contacts_of(db.session, customer),
            editable=editable,
            saved_id=arg("saved"),
            record_tabs=customer_tabs(customer, "contacts"),
            return_url=url_for("customers.index_view"),
        )

    def _panel(self, form, customer, title, submit_label, status, contact=None):
        return self.fragment_or_page(
            "admin/customers/_contact_form.html", "admin/customers/contact_form_page.html", status,
            form=form, customer=customer, contact=contact, title=title, submit_label=submit_label,
            titles=service.titles_in_use(db.session), action_url=request.full_path.rstrip("?"),
            cancel_url=self._tab_url(customer), record_tabs=customer_tabs(customer, "contacts"),
        )

    @expose("/new/", methods=("GET", "POST"))
    @accepts(customer=Id(), panel=Flag(), modal=Flag())
    def new_view(self):
        customer = self._customer_or_404(arg("customer"))
        refused = self._refuse_deleted(customer)
        if refused is not None:
            return refused
        form = ContactForm()
        form.fill_choices()
        outcome = run_service(form, lambda: service.add_contact(db.session, self.actor, customer, **form.values()))
        if outcome.saved:
            contact = outcome.value
            flash(saved_message(_("Contact %(name)s was added."), contact.full_name), "success")
            return redirect_after_post(url_for(".index", id=customer.id, saved=contact.id))
        return self._panel(form, customer, _("Add contact"), _("Create"), outcome.status)

    @expose("/edit/", methods=("GET", "POST"))
    @accepts(id=Id(), panel=Flag(), modal=Flag())
    def edit_view(self):
        contact = self._contact_or_404(arg("id"))
        customer = contact.customer
        refused = self._refuse_deleted(customer)
        if refused is not None:
            return refused
        form = ContactEditForm(obj=contact) if request.method == "GET" else ContactEditForm()
        form.fill_choices()
        if request.method == "GET":
            form.version.data = str(contact.version)
        values = form.values()
        if contact.is_person:  # (issue 11, private) the person stays primary: its form has no such box
            values.pop("is_primary", None)
        outcome = run_service(form, lambda: service.update_contact(
            db.session, self.actor, contact, expected_version=posted_version(form), **values))
        if outcome.saved:
            flash(saved_message(_("Contact %(name)s was saved."), contact.full_name), "success")
            return redirect_after_post(url_for(".index", id=customer.id, saved=contact.id))
        if outcome.gone:
            return redirect_after_post(self._tab_url(customer))
        if outcome.conflict is not None:
            show_conflict(form, outcome.conflict, {name: getattr(contact, name) for name in service.FIELDS})
        return self._panel(form, customer, _("Edit contact"), _("Update"), outcome.status, contact=contact)

    @expose("/primary/", methods=("POST",))
    @accepts(id=Id(), panel=Flag(), modal=Flag())
    def primary_view(self):
        contact = self._contact_or_404(arg("id"))
        customer = contact.customer
        form = PlainConfirmForm()
        outcome = run_service(form, lambda: service.make_primary(db.session, self.actor, contact))
        if outcome.saved:
            flash(_("%(name)s is now the primary contact.", name=contact.full_name), "success")
        elif outcome.error is None:  # (the form did not validate: an expired CSRF token)
            flash(_("The page had expired. Try again."), "error")
        return redirect_after_post(self._tab_url(customer))

    @expose("/remove/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def remove_view(self):
        contact = self._contact_or_404(arg("id"))
        customer = contact.customer
        refused = self._refuse_deleted(customer)
        if refused is not None:
            return refused
        name = contact.full_name
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Remove contact %(name)s?", name=name),
            messages=[_("%(name)s will be removed from the contacts of %(customer)s.", name=name,
                        customer=customer.display_name)],
            submit_label=_("Remove contact"),
            danger=True,
            perform=lambda form: service.remove_contact(db.session, self.actor, contact)
            and _("Contact %(name)s was removed.", name=name),
        )


class RoleForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), column_length(ContactRole.name)])


class RoleEditForm(RoleForm):
    version = VersionField()


class ContactRolesView(SecureBaseView):
    """/admin/contact-roles/: the managed list of contact roles (system administrators)."""

    endpoint_permissions = {
        "index": "settings.edit",
        "new_view": "settings.edit",
        "edit_view": "settings.edit",
        "delete_view": "settings.edit",
    }
    visible = True

    def is_accessible(self):
        return super().is_accessible() and can(current_user, "settings.edit")

    def list_url(self) -> str:
        return url_for(".index")

    @expose("/")
    @accepts()
    def index(self):
        roles = service.roles(db.session)
        return self.render("admin/contact_roles.html", roles=roles, form=RoleForm(formdata=None))

    @expose("/new/", methods=("GET", "POST"))
    @accepts(panel=Flag(), modal=Flag())
    def new_view(self):
        form = RoleForm()
        outcome = run_service(form, lambda: service.create_role(db.session, self.actor, form.name.data))
        if outcome.saved:
            flash(_("Contact role %(name)s was created.", name=outcome.value.name), "success")
            return redirect_after_post(url_for(".index"))
        return self._panel(form, _("Add contact role"), _("Create"), outcome.status)

    def _panel(self, form, title, submit_label, status):
        return self.fragment_or_page(
            "admin/_contact_role_form.html", "admin/contact_role_form_page.html", status,
            form=form, title=title, submit_label=submit_label,
            action_url=request.full_path.rstrip("?"), cancel_url=url_for(".index"),
        )

    @expose("/edit/", methods=("GET", "POST"))
    @accepts(id=Id(), panel=Flag(), modal=Flag())
    def edit_view(self):
        role = record_or_404(ContactRole, arg("id"))
        form = RoleEditForm(obj=role) if request.method == "GET" else RoleEditForm()
        if request.method == "GET":
            form.version.data = str(role.version)
        outcome = run_service(form, lambda: service.rename_role(
            db.session, self.actor, role, form.name.data, expected_version=posted_version(form)))
        if outcome.saved:
            flash(_("Contact role %(name)s was saved.", name=role.name), "success")
            return redirect_after_post(url_for(".index"))
        if outcome.gone:
            return redirect_after_post(url_for(".index"))
        if outcome.conflict is not None:
            show_conflict(form, outcome.conflict, {"name": role.name})
        return self._panel(form, _("Edit contact role"), _("Update"), outcome.status)

    @expose("/delete/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def delete_view(self):
        role = record_or_404(ContactRole, arg("id"))
        name = role.name
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Delete contact role %(name)s?", name=name),
            messages=[_("The role %(name)s will no longer be offered for contacts.", name=name)],
            submit_label=_("Delete role"),
            danger=True,
            perform=lambda form: service.delete_role(db.session, self.actor, role)
            and _("Contact role %(name)s was deleted.", name=name),
        )
