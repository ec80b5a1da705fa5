"""/admin/settings/: the register settings (one row; services/settings.py): Security and Customers."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from backoffice.admin.base import SecureBaseView
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.models.roles import can
from backoffice.models.settings import NUMBER_LENGTH_LIMIT
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.services import countries
from backoffice.services import settings as service
from backoffice.parsers import accepts
from backoffice.saving import run_service


def _length_field(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Enter a whole number from 1 to %(max)d.", max=NUMBER_LENGTH_LIMIT)),
            NumberRange(1, NUMBER_LENGTH_LIMIT, message=_l("Enter a whole number from 1 to %(max)d.", max=NUMBER_LENGTH_LIMIT)),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class SettingsForm(Form):
    version = VersionField()
    require_two_factor_for_admins = BooleanField(
        _l("Require two-factor sign-in for system administrators"),
        description=_l("A system administrator without it is asked to set it up at the next sign-in."),
    )
    customer_number_min_length = _length_field(_l("Customer number minimum length"))
    customer_number_max_length = _length_field(_l("Customer number maximum length"))
    auto_customer_number = BooleanField(
        _l("Automatically generate the next customer number"),
        description=_l("A customer added without a number gets the next one; shorter numbers are padded with zeros to the minimum length."),
    )
    number_in_display_name = BooleanField(
        _l("Include the customer number in the display name"),
        description=_l("Lists and titles show \u201c12345 \u00b7 Organization name\u201d."),
    )
    show_language = BooleanField(_l("Show language"))
    show_cost_center = BooleanField(_l("Show cost-center field"))
    view_service_items = BooleanField(_l("View service items"))
    view_work_order_items = BooleanField(_l("View work-order items"))
    confirm_outside = BooleanField(_l("Yes, save the new lengths"))
    default_region = SelectField(
        _l("Default region for phone numbers"),
        choices=[],
        description=_l("A phone number written without + is read as a number of this country."),
    )
    # --- customer defaults (issue 11, groups): what a customer gets when neither it nor its groups set it
    automatic_settlement = BooleanField(
        _l("Automatic settlement"),
        description=_l("The default of customers whose own setting and groups don't say."),
    )
    payment_terms_days = IntegerField(
        _l("Payment terms (days)"),
        # (empty keeps the saved value: services/settings.update)
        validators=[Optional(),
                    NumberRange(0, 365, message=_l("Enter a whole number of days from 0 to %(max)d.", max=365))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    # --- end customer defaults


class SettingsView(SecureBaseView):
    endpoint_permissions = {"index": "settings.edit"}
    visible = True

    def is_accessible(self):
        return can(current_user, "settings.edit")

    @expose("/", methods=("GET", "POST"))
    @accepts()
    def index(self):
        row = run_service(None, lambda: service.get(db.session)).value  # the row exists from here on
        form = SettingsForm(obj=row) if request.method == "GET" else SettingsForm()
        form.default_region.choices = countries.choices()  # named in the reader's language
        saved = run_service(form, lambda: service.update(
            db.session, self.actor, expected_version=posted_version(form),
            confirm_outside=bool(form.confirm_outside.data),
            **{name: form[name].data for name in service.FIELDS},
        ))
        if saved.saved:
            flash(_("The settings have been saved."), "success")
            return redirect(url_for(".index"))
        if saved.conflict is not None:
            stored = service.get(db.session)
            show_conflict(form, saved.conflict, {name: getattr(stored, name) for name in service.FIELDS})
        status = saved.status
        return self.render("admin/settings.html", form=form), status
