"""/admin/customer-groups/ (issue 11): the customer groups' list (priority order, its own search, move up /
down), a group's page (cards Customers, Settings, Details), and the customer page's pieces (the Settings
card with each effective setting and its source; Change customer group and Remove from group dialogs).

Thin: parse the request, check the permission (fail closed), call services/customer_groups.py through
saving.run_service.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from backoffice.admin.base import (PlainConfirmForm, SecureBaseView, TypedDeleteForm, customer_or_404, record_or_404,
                                   redirect_after_post)
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.admin.customer_pages import option_label
from backoffice.admin.pickers import SEARCH_PARAMS, MultiPickerField, Picker, fill_many
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models import Customer, CustomerGroup
from backoffice.models.customer_group import INHERITED_SETTINGS
from backoffice.models.roles import can
from backoffice.parsers import DIALOG, Choice, Flag, Id, Ids, ReturnUrl, Text, accepts, arg
from backoffice.saving import run_service
from backoffice.services import customer_groups as service

SETTLEMENT_CHOICES = [("", _l("Inherit default")), ("on", _l("On")), ("off", _l("Off"))]
SETTING_LABELS = {"automatic_settlement": _l("Automatic settlement"), "payment_terms_days": _l("Payment terms (days)")}
MEMBER_FILTER_LABELS = {"all": _l("All"), "active": _l("Active"), "inactive": _l("Inactive")}


def settlement_choice(value) -> str:
    return "" if value is None else ("on" if value else "off")


def settlement_field(label=None, description=None):
    return SelectField(label or _l("Automatic settlement"), choices=SETTLEMENT_CHOICES, default="",
                       validate_choice=False, description=description)


def payment_terms_field(description=None):
    return StringField(_l("Payment terms (days)"), description=description or _l("Empty: the default."),
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})


class GroupForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), column_length(CustomerGroup.name)])
    description = TextAreaField(_l("Description"), render_kw={"rows": 3})
    automatic_settlement = settlement_field()
    payment_terms_days = payment_terms_field()

    def values(self) -> dict:
        return {name: self[name].data for name in ("name", "description", *INHERITED_SETTINGS)}


class GroupSettingsForm(Form):
    version = VersionField()
    automatic_settlement = settlement_field()
    payment_terms_days = payment_terms_field()


class GroupDetailsForm(Form):
    version = VersionField()
    name = StringField(_l("Name"), validators=[DataRequired(), column_length(CustomerGroup.name)])
    description = TextAreaField(_l("Description"), render_kw={"rows": 3})


class AddMembersForm(Form):
    customer_ids = MultiPickerField(_l("Add customers"), placeholder=_l("Search customers by name or number"))


class ChangeGroupsForm(Form):
    group_ids = MultiPickerField(_l("Customer groups"), placeholder=_l("Search customer groups"),
                                 description=_l("The customer's groups become exactly these."))


class LeaveGroupsForm(Form):
    group_ids = MultiPickerField(_l("Remove from"), placeholder=_l("Choose groups"))


GROUP_PICKER = Picker(CustomerGroup, lambda search, limit: service.group_search(db.session, search, limit), str)


def member_picker(group: CustomerGroup) -> Picker:
    return Picker(Customer, lambda search, limit: service.candidates(
        db.session, group, search, limit, actor=current_user._get_current_object()), option_label)


def source_text(source) -> str:
    if source[0] == "customer":
        return _("set on this customer")
    if source[0] == "group":
        return _("inherited from group %(name)s", name=source[1].name)
    return _("default")


def value_text(name: str, value) -> str:
    if name == "automatic_settlement":
        return _("On") if value else _("Off")
    return _("%(n)d days", n=value) if value != 1 else _("1 day")


def group_value_text(name: str, value) -> str:
    """A group's setting as its page shows it (NULL: not set by the group)."""
    return _("Not set (inherit default)") if value is None else value_text(name, value)


class CustomerGroupsView(SecureBaseView):
    """/admin/customer-groups/: the groups in priority order and one group's page."""

    endpoint_permissions = {
        "index": "groups.view",
        "details_view": "groups.view",
        "new_view": "groups.edit",
        "settings_view": "groups.edit",
        "edit_view": "groups.edit",
        "move_view": "groups.edit",
        "delete_view": "groups.edit",
        "add_members_view": "groups.edit",
        "remove_members_view": "groups.edit",
        "member_search_view": "groups.edit",
        "group_search_view": "customers.edit",
        "customer_change_view": "customers.edit",
        "customer_leave_view": "customers.edit",
    }

    def _group_or_404(self, group_id) -> CustomerGroup:
        return record_or_404(CustomerGroup, group_id)

    def _customer_or_404(self, customer_id) -> Customer:
        return customer_or_404(self, record_or_404(Customer, customer_id))  # (issue 14: in the user's scope)

    # --- the list ----------------------------------------------------------------------------------------

    @expose("/")
    @accepts(q=Text(100), saved=Id())
    def index(self):
        search = arg("q")
        return self.render(
            "admin/customer_groups/list.html",
            groups=service.all_groups(db.session, search),
            total=len(service.all_groups(db.session)) if search else None,
            counts=service.member_counts(db.session),
            search=search or "",
            saved_id=arg("saved"),
            can_edit=can(current_user, "groups.edit"),
        )

    @expose("/new/", methods=("GET", "POST"))
    @accepts(panel=Flag(), modal=Flag())
    def new_view(self):
        form = GroupForm()
        outcome = run_service(form, lambda: service.create_group(db.session, self.actor, **form.values()))
        if outcome.saved:
            flash(_("Customer group %(name)s was created.", name=outcome.value.name), "success")
            return redirect_after_post(url_for(".details_view", id=outcome.value.id))
        return self.fragment_or_page(
            "admin/customer_groups/_form.html", "admin/customer_groups/form_page.html", outcome.status,
            form=form, title=_("Create customer group"), submit_label=_("Create"),
            action_url=request.full_path.rstrip("?"), cancel_url=url_for(".index"),
        )

    @expose("/move/", methods=("POST",))
    @accepts(id=Id(), direction=Choice("up", "down"), modal=Flag(), panel=Flag())
    def move_view(self):
        group = self._group_or_404(arg("id"))
        direction = arg("direction")
        if direction is None:
            abort(400)
        outcome = run_service(PlainConfirmForm(), lambda: service.move_group(db.session, self.actor, group, direction))
        if not outcome.saved and outcome.error is None:
            flash(_("The page had expired. Try again."), "error")
        return redirect_after_post(url_for(".index", saved=group.id))

    # --- one group ------------------------------------------------------------------------------------------

    def _details(self, group, *, status=200, settings_form=None, details_form=None, add_form=None):
        member_filter = arg("status") or "all"
        settings_form = settings_form or GroupSettingsForm(
            automatic_settlement=settlement_choice(group.automatic_settlement),
            payment_terms_days="" if group.payment_terms_days is None else str(group.payment_terms_days),
            version=str(group.version))
        details_form = details_form or GroupDetailsForm(name=group.name, description=group.description or "",
                                                        version=str(group.version))
        add_form = add_form or AddMembersForm(formdata=None)
        fill_many(member_picker(group), add_form.customer_ids, url_for(".member_search_view", id=group.id))
        return self.render(
            "admin/customer_groups/details.html",
            group=group,
            members=service.members(db.session, group, member_filter, actor=self.actor),
            member_filter=member_filter,
            filter_counts=service.member_filter_counts(db.session, group),
            filter_labels=MEMBER_FILTER_LABELS,
            settings_form=settings_form,
            details_form=details_form,
            add_form=add_form,
            can_edit=can(current_user, "groups.edit"),
            setting_labels=SETTING_LABELS,
            group_value_text=group_value_text,
        ), status

    @expose("/details/")
    @accepts(id=Id(), status=Choice(*service.MEMBER_FILTERS))
    def details_view(self):
        return self._details(self._group_or_404(arg("id")))

    @expose("/settings/", methods=("POST",))
    @accepts(id=Id(), status=Choice(*service.MEMBER_FILTERS), modal=Flag(), panel=Flag())
    def settings_view(self):
        group = self._group_or_404(arg("id"))
        form = GroupSettingsForm()
        return self._save_card(
            group, form,
            lambda: service.update_group_settings(
                db.session, self.actor, group, expected_version=posted_version(form),
                automatic_settlement=form.automatic_settlement.data, payment_terms_days=form.payment_terms_days.data),
            lambda: _("The settings of %(name)s were saved.", name=group.name),
            lambda: {"automatic_settlement": settlement_choice(group.automatic_settlement),
                     "payment_terms_days": "" if group.payment_terms_days is None else str(group.payment_terms_days)},
            settings_form=form,
        )

    @expose("/edit/", methods=("POST",))
    @accepts(id=Id(), status=Choice(*service.MEMBER_FILTERS), modal=Flag(), panel=Flag())
    def edit_view(self):
        group = self._group_or_404(arg("id"))
        form = GroupDetailsForm()
        return self._save_card(
            group, form,
            lambda: service.update_group(db.session, self.actor, group, expected_version=posted_version(form),
                                         name=form.name.data, description=form.description.data),
            lambda: _("Customer group %(name)s was saved.", name=group.name),
            lambda: {"name": group.name, "description": group.description or ""},
            details_form=form,
        )

    def _save_card(self, group, form, work, message, stored, **card_form):
        """Save one card of the group page (Settings, Details): back to the page with ``message()``; a group
        deleted meanwhile goes to the list; a conflict shows ``stored()`` beside the typed values."""
        outcome = run_service(form, work)
        if outcome.saved:
            flash(message(), "success")
            return redirect_after_post(url_for(".details_view", id=group.id))
        if outcome.gone:
            return redirect_after_post(url_for(".index"))
        if outcome.conflict is not None:
            show_conflict(form, outcome.conflict, stored())
        return self._details(group, status=outcome.status, **card_form)

    @expose("/delete/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def delete_view(self):
        group = self._group_or_404(arg("id"))
        name = group.name
        count = service.member_filter_counts(db.session, group)["all"]
        return self.confirm(
            form=TypedDeleteForm(),
            title=_("Delete customer group %(name)s?", name=name),
            messages=[_("%(n)d customers will leave the group and inherit their settings from their other groups "
                        "or the defaults. The customers themselves are kept.", n=count),
                      _("This can't be undone.")],
            submit_label=_("Delete group"),
            danger=True,
            confirm_text="DELETE",
            perform=lambda form: service.delete_group(db.session, self.actor, group)
            and _("Customer group %(name)s was deleted.", name=name),
        )

    def list_url(self) -> str:
        return arg("url") or url_for(".index")

    @expose("/members/add/", methods=("POST",))
    @accepts(id=Id(), status=Choice(*service.MEMBER_FILTERS), modal=Flag(), panel=Flag())
    def add_members_view(self):
        group = self._group_or_404(arg("id"))
        form = AddMembersForm()
        outcome = run_service(form, lambda: service.add_members(db.session, self.actor, group, form.customer_ids.data))
        if outcome.saved:
            flash(_("%(n)d customers were added to %(name)s.", n=outcome.value, name=group.name)
                  if outcome.value != 1 else _("1 customer was added to %(name)s.", name=group.name), "success")
            return redirect_after_post(url_for(".details_view", id=group.id))
        return self._details(group, status=outcome.status, add_form=form)

    @expose("/members/remove/", methods=("GET", "POST"))
    @accepts(id=Id(), ids=Ids(), url=ReturnUrl(), modal=Flag(), panel=Flag())
    def remove_members_view(self):
        group = self._group_or_404(arg("id"))
        chosen = [c for c in (db.session.get(Customer, i) for i in arg("ids") or []) if c is not None]
        back = url_for(".details_view", id=group.id)
        if not chosen:
            flash(_("Choose the customers to remove first."), "error")
            return redirect_after_post(back)
        count = len(chosen)
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Remove from group %(name)s?", name=group.name),
            messages=[_("These customers will leave %(name)s:", name=group.name)],
            items=[c.display_name for c in chosen],
            submit_label=_("Remove from group"),
            danger=True,
            perform=lambda form: service.remove_members(db.session, self.actor, group, chosen) is not None
            and (_("%(n)d customers were removed from %(name)s.", n=count, name=group.name) if count != 1
                 else _("1 customer was removed from %(name)s.", name=group.name)),
        )

    @expose("/members/search/")
    @accepts(id=Id(), **SEARCH_PARAMS)
    def member_search_view(self):
        return member_picker(self._group_or_404(arg("id"))).results(arg("q"))

    @expose("/search/")
    @accepts(**SEARCH_PARAMS)
    def group_search_view(self):
        return GROUP_PICKER.results(arg("q"))

    # --- the customer page's dialogs ----------------------------------------------------------------------------

    @expose("/customer/change/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def customer_change_view(self):
        customer = self._customer_or_404(arg("id"))
        current = service.groups_of(db.session, customer)
        form = ChangeGroupsForm() if request.method == "POST" else ChangeGroupsForm(group_ids=current)
        fill_many(GROUP_PICKER, form.group_ids, url_for(".group_search_view"), keep=current)
        return self.confirm(
            form=form,
            title=_("Change customer group"),
            messages=[_("Choose every group %(name)s belongs to; it inherits settings from the highest-priority "
                        "group that sets them.", name=customer.display_name)],
            submit_label=_("Save groups"),
            perform=lambda form: service.set_memberships(db.session, self.actor, customer, form.group_ids.data,
                                                         field="group_ids") is not None
            and _("The customer groups of %(name)s were saved.", name=customer.display_name),
        )

    @expose("/customer/leave/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def customer_leave_view(self):
        customer = self._customer_or_404(arg("id"))
        current = service.groups_of(db.session, customer)
        form = LeaveGroupsForm()
        form.group_ids.choices = [(str(g.id), g.name) for g in current]
        messages = [_("Choose the groups %(name)s leaves.", name=customer.display_name)]
        if not current:
            messages = [_("%(name)s is in no customer group.", name=customer.display_name)]
        return self.confirm(
            form=form,
            title=_("Remove from group"),
            messages=messages,
            submit_label=_("Remove from group"),
            danger=True,
            perform=lambda form: service.leave_groups(db.session, self.actor, customer, form.group_ids.data) is not None
            and _("%(name)s was removed from the chosen groups.", name=customer.display_name),
        )


# --- the customer page's Settings card (templates/admin/customer_groups/_customer_card.html) --------------------


def customer_card(customer: Customer) -> dict:
    """Each effective setting with its source, the customer's groups, and the dialogs' URLs."""
    settings = service.effective_settings(db.session, customer)
    here = url_for("customers.details_view", id=customer.id)
    editable = can(current_user, "customers.edit", customer) and not customer.is_deleted
    return dict(
        rows=[(SETTING_LABELS[name], value_text(name, value), source_text(source), source[0])
              for name, (value, source) in settings.items()],
        groups=service.groups_of(db.session, customer),
        group_url=(lambda g: url_for("customer_groups.details_view", id=g.id)) if can(current_user, "groups.view") else None,
        change_url=url_for("customer_groups.customer_change_view", id=customer.id, url=here) if editable else None,
        leave_url=url_for("customer_groups.customer_leave_view", id=customer.id, url=here) if editable else None,
    )


# --- the customer's add/edit panel (admin/customers.py) ----------------------------------------------------------


class CustomerGroupFields:
    """The fields a customer's form gets (mixed into CustomerForm): its groups and its own settings."""

    group_ids = MultiPickerField(_l("Customer groups"), placeholder=_l("Search customer groups"),
                                 description=_l("The customer inherits settings from these groups unless it sets its own."))
    automatic_settlement = SelectField(_l("Automatic settlement"),
                                       choices=[("", _l("Inherit")), ("on", _l("On")), ("off", _l("Off"))],
                                       default="", validate_choice=False)
    payment_terms_days = StringField(_l("Payment terms (days)"), description=_l("Empty: inherited."),
                                     render_kw={"inputmode": "numeric", "autocomplete": "off"})


def customer_prefill(customer: Customer) -> dict:
    """The edit form's group fields as stored."""
    return {
        "group_ids": service.groups_of(db.session, customer),
        "automatic_settlement": settlement_choice(customer.automatic_settlement),
        "payment_terms_days": "" if customer.payment_terms_days is None else str(customer.payment_terms_days),
    }


def customer_stored(customer: Customer) -> dict:
    values = customer_prefill(customer)
    values["group_ids"] = ", ".join(g.name for g in values["group_ids"])
    return values


def fill_customer_form(form, customer: Customer | None) -> None:
    keep = service.groups_of(db.session, customer) if customer is not None else ()
    fill_many(GROUP_PICKER, form.group_ids, url_for("customer_groups.group_search_view"), keep=keep)


def customer_posted(form) -> dict:
    """Keyword arguments of create_customer / update_customer."""
    return {"group_ids": form.group_ids.data, "automatic_settlement": form.automatic_settlement.data,
            "payment_terms_days": form.payment_terms_days.data}
