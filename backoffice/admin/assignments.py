"""/admin/assignments/ (issue 14, seed 001 "Assign technician"): the dialogs that assign users to customers, for
those with ``customers.assign``: on the customer page (its Assigned users card: choose exactly who is assigned)
and from the customers list's bulk actions "Assign…" and "Unassign…" (one user, every selected customer).
Thin: services/assignments.py holds the rules and tells the users."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import DataRequired

from backoffice.admin.base import SecureBaseView, customer_or_404, record_or_404
from backoffice.admin.pickers import SEARCH_PARAMS, MultiPickerField, Picker, PickerField, fill_many
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.models import Customer, User
from backoffice.models.roles import can
from backoffice.parsers import DIALOG, Choice, Flag, Ids, ReturnUrl, accepts, arg
from backoffice.services import assignments as service
from backoffice.services import customer_scope


def user_label(user: User) -> str:
    return f"{user.full_name} <{user.email}>"


USER_PICKER = Picker(User, lambda search, limit: db.session.scalars(service.assignable_query(search).limit(limit)),
                     user_label)


class AssignedUsersForm(Form):
    user_ids = MultiPickerField(_l("Assigned users"), placeholder=_l("Search users by name or e-mail"),
                                description=_l("Only users whose role can view customers can be assigned. "
                                               "Each one added or removed is told."))


class OneUserForm(Form):
    user_id = PickerField(_l("User"), validators=[DataRequired(message=_l("Choose a user."))],
                          placeholder=_l("Search users by name or e-mail"))


class AssignmentsView(SecureBaseView):
    endpoint_permissions = {
        "index": "customers.view",
        "customer_view": "customers.assign",
        "bulk_view": "customers.assign",
        "user_search_view": "customers.assign",
    }

    def list_url(self) -> str:
        return arg("url") or url_for("customers.index_view")

    @expose("/")
    @accepts()
    def index(self):
        """(Flask-Admin's view needs a page of its own: the customers list is where users are assigned.)"""
        return redirect(url_for("customers.index_view"))

    @expose("/search/")
    @accepts(**SEARCH_PARAMS)
    def user_search_view(self):
        return USER_PICKER.results(arg("q"))

    @expose("/customer/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def customer_view(self):
        customer = customer_or_404(self, record_or_404(Customer, arg("id")))  # (issue 14: in the user's scope)
        current = service.assigned_users(db.session, customer)
        form = AssignedUsersForm(formdata=None, user_ids=current) if request.method == "GET" else AssignedUsersForm()
        fill_many(USER_PICKER, form.user_ids, url_for(".user_search_view"), keep=current)

        def perform(form):
            added, removed = service.set_assigned(db.session, self.actor, customer, form.user_ids.data)
            if not added and not removed:
                return _("Nothing changed: the same users are assigned to %(name)s.", name=customer.display_name)
            return _("The assigned users of %(name)s were saved.", name=customer.display_name)

        return self.confirm(
            form=form,
            title=_("Assigned users"),
            messages=[_("Choose everyone assigned to %(name)s.", name=customer.display_name)],
            submit_label=_("Done"),
            perform=perform,
        )

    @expose("/bulk/", methods=("GET", "POST"))
    @accepts(ids=Ids(), mode=Choice("assign", "unassign"), url=ReturnUrl(), modal=Flag(), panel=Flag())
    def bulk_view(self):
        numbers = (arg("ids") or [])[:1000]
        customers = list(db.session.scalars(select(Customer).where(Customer.id.in_(numbers),
                                                                   *customer_scope.conditions(self.actor))
                                            .order_by(Customer.display_name, Customer.id))) if numbers else []
        if not customers:
            flash(_("Select at least one customer account."), "error")
            return redirect(self.list_url())
        unassigning = arg("mode") == "unassign"
        form = OneUserForm()
        USER_PICKER.fill(form.user_id, url_for(".user_search_view"))

        def perform(form):
            if unassigning:
                done = service.unassign(db.session, self.actor, customers, form.user_id.data)
                return ngettext("Unassigned from %(num)d customer.", "Unassigned from %(num)d customers.", done)
            done = service.assign(db.session, self.actor, customers, form.user_id.data)
            return ngettext("Assigned to %(num)d customer.", "Assigned to %(num)d customers.", done)

        return self.confirm(
            form=form,
            title=_("Unassign a user") if unassigning else _("Assign a user"),
            messages=[_("The user chosen is taken off these customers and told:") if unassigning
                      else _("The user chosen is assigned to these customers and told (those already assigned are "
                             "left as they are):")],
            items=[c.display_name for c in customers],
            submit_label=_("Unassign") if unassigning else _("Assign"),
            danger=unassigning,
            perform=perform,
        )


# --- the customer page's Assigned users card (templates/admin/customers/_assigned.html) ------------------------


def customer_card(customer: Customer) -> dict:
    here = url_for("customers.details_view", id=customer.id)
    return dict(
        users=service.assigned_users(db.session, customer),
        user_url=(lambda u: url_for("users.details_view", id=u.id)) if can(current_user, "users.view") else None,
        change_url=url_for("assignments.customer_view", id=customer.id, url=here)
        if can(current_user, "customers.assign") and not customer.is_deleted else None,
    )
