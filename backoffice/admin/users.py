from __future__ import annotations

from flask import current_app
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from backoffice.admin.base import MenuItem, PlainConfirmForm, SecureModelView, TypedDeleteForm, dialog_title, status_badge
from backoffice.admin.history import HistoryTabMixin
from backoffice.admin.listing import IndexedListMixin
from backoffice.auth import sessions
from backoffice.models.roles import LANGUAGES, role_name
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.services import lists
from backoffice.services import roles as roles_service
from backoffice.services import users as service
from backoffice.services.errors import ServiceError
from backoffice.parsers import DIALOG, accepts, arg


def role_choices():
    """Every role but customer-admin: that one is given by the customer services (a customer's admin)."""
    return [(role.code, str(roles_service.label(role))) for role in roles_service.all_roles(db.session)
            if role.code != service.CUSTOMER_ADMIN_ROLE]


def _role_choices_for(form, user) -> None:
    """Editing a customer admin: their role is listed (so the form shows it) and the field says why it stays."""
    if user is not None and user.role == service.CUSTOMER_ADMIN_ROLE:
        form.role.choices = [(role.code, str(roles_service.label(role))) for role in roles_service.all_roles(db.session)]
        form.role.description = _l(
            "A customer admin keeps this role while they administer a customer; choose another admin "
            "for the customer (under Customers) to change it."
        )


class UserForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()), default="en")
    role = SelectField(_l("Role"), choices=role_choices, default="staff")
    active = BooleanField(_l("Active"), default=True)
    photo_upload = FileField(_l("Photo"), description=_l("JPEG, PNG, GIF or WebP, at most 2 MB."))
    remove_photo = BooleanField(_l("Remove the photo"))
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=12, max=256)],
        description=_l("At least 12 characters. Leave empty to keep the current password."),
        render_kw={"autocomplete": "new-password"},  # the browser must not fill in the admin's own
    )
    require_change = BooleanField(_l("Require a new password at next sign-in"))


class SetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=12, max=256)], render_kw={"autocomplete": "new-password"}
    )
    require_change = BooleanField(_l("Require a new password at next sign-in"), default=True)


def _name(view, context, model, name):
    initials = Markup('<span class="bo-avatar bo-avatar-sm bo-initials" aria-hidden="true">{}</span>').format(model.initials)
    if model.photo_mime:
        from flask import url_for

        initials = Markup('<img class="bo-avatar bo-avatar-sm" src="{}" alt="">').format(
            url_for("auth.user_photo", user_id=model.id)
        )
    return Markup("{} {}").format(initials, model.full_name)


def _role(view, context, model, name):
    return status_badge(role_name(model), "role")


def _active(view, context, model, name):
    return status_badge(_("Active"), "active") if model.active else status_badge(_("Inactive"), "inactive")


def _language(view, context, model, name):
    return LANGUAGES.get(model.language, model.language)


class UserView(IndexedListMixin, HistoryTabMixin, SecureModelView):
    permission_prefix = "users"
    history_record_type = "user"
    history_groups = ("changes", "notes", "security")
    endpoint_permissions = {
        **SecureModelView.endpoint_permissions,
        **HistoryTabMixin.history_endpoints,
        "delete_user_view": "delete",
        "password_view": "edit",
        "sign_out_view": "edit",
        "two_factor_reset_view": "edit",
    }
    form = UserForm
    create_label = _l("Add user")
    edit_label = _l("Edit user")
    default_sort_column = "first_name"  # the Name column, sorted by last name, then first name
    column_list = ("first_name", "email", "role", "active", "last_login_at")
    column_sortable_list = ("first_name", "email", "role", "active", "last_login_at")
    column_default_sort = [("last_name", False), ("first_name", False), ("id", False)]
    column_searchable_list = ("first_name", "last_name", "email")
    column_filters = ("role", "active")
    column_labels = {
        "first_name": _l("Name"),
        "last_name": _l("Last name"),
        "email": _l("E-mail"),
        "role": _l("Role"),
        "active": _l("Active"),
        "language": _l("Language"),
        "last_login_at": _l("Last sign-in"),
        "created_at": _l("Created"),
    }
    column_formatters = {"first_name": _name, "role": _role, "active": _active}
    column_details_list = ("first_name", "last_name", "email", "role", "active", "language", "last_login_at", "created_at")
    column_formatters_detail = {"role": _role, "active": _active, "language": _language}

    def get_details_columns(self):
        """The list's "Name" column is the full name; the details show the first name as the first name."""
        return [(c, _l("First name") if c == "first_name" else label) for c, label in super().get_details_columns()]

    def list_search(self, search):
        return lists.user_search(search)

    def search_placeholder(self):
        return _("Search by name or e-mail")

    def get_empty_list_message(self):
        return _("No users yet.")

    def is_editable_row(self, row):
        return True

    def row_class(self, row):
        return "" if row.active else "bo-row-inactive"

    def row_menu(self, row, return_url):
        items = super().row_menu(row, return_url)
        if self.allowed("edit"):
            items.append(MenuItem(_("Set password"), self.get_url(".password_view", id=row.id, url=return_url), dialog=True))
            items.append(
                MenuItem(_("Sign out everywhere"), self.get_url(".sign_out_view", id=row.id, url=return_url), dialog=True)
            )
            items.append(
                MenuItem(_("Reset two-factor sign-in"), self.get_url(".two_factor_reset_view", id=row.id, url=return_url),
                         dialog=True)
            )
        if self.allowed("delete") and row.id != self.actor.id:
            items.append(MenuItem(_("Delete"), self.get_url(".delete_user_view", id=row.id, url=return_url), dialog=True, danger=True))
        return items

    def on_form_prefill(self, form, id):
        form.password.data = ""
        _role_choices_for(form, self.get_one(id))

    def create_form(self, obj=None):
        """A new user has no photo to remove and no current password to keep."""
        form = super().create_form(obj)
        del form.remove_photo
        form.password.label.text = _("Password")
        form.password.description = _l(
            "At least 12 characters. Leave empty and the user chooses one by resetting the password."
        )
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        _role_choices_for(form, obj)
        posted = bool(form.remove_photo.raw_data) or "remove_photo" in getattr(form, "_file_parts", ())
        if obj is not None and not obj.photo_mime and not posted:
            del form.remove_photo  # nothing to remove (kept when posted, so what was sent is still checked)
        return form

    def _photo(self, form, user):
        upload = form.photo_upload.data
        try:
            if "remove_photo" in form and form.remove_photo.data:
                service.set_photo(db.session, self.actor, user, None)
            elif upload and getattr(upload, "filename", ""):
                data = upload.read(current_app.config["PHOTO_MAX_BYTES"] + 1)
                service.set_photo(db.session, self.actor, user, data, current_app.config["PHOTO_MAX_BYTES"])
        except ServiceError as error:  # the service's "photo" is this form's upload field
            raise ServiceError(error.message, "photo_upload") from error

    def service_create(self, form):
        user = service.create_user(
            db.session,
            self.actor,
            **self.form_values(form, ("email", "first_name", "last_name", "role", "language", "active")),
            password=form.password.data or None,
            must_change_password=form.require_change.data,
        )
        self._photo(form, user)
        return user

    def _keep_own_session(self, user):
        """Changing one's own password ends one's other sessions; this browser is re-issued and stays in."""
        if user.id == self.actor.id:
            sessions.renew(user)

    def update_model(self, form, model):
        version = model.session_version
        result = super().update_model(form, model)
        if result and model.session_version != version:
            self._keep_own_session(model)
        return result

    def conflict_values(self, model):
        return {name: getattr(model, name) for name in ("first_name", "last_name", "email", "language", "role", "active")}

    def service_update(self, form, model):
        service.update_user(
            db.session,
            self.actor,
            model,
            expected_version=self.expected_version(form),
            **self.form_values(form, ("email", "first_name", "last_name", "role", "language", "active")),
        )
        if form.password.data:
            service.set_password(db.session, self.actor, model, form.password.data, require_change=form.require_change.data)
        self._photo(form, model)
        return model

    @expose("/password/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def password_view(self):
        user = self.get_one_or_404(arg("id"))
        return self.confirm(
            form=SetPasswordForm(),
            title=_("Set password"),
            messages=[_("Set a new password for %(name)s.", name=user.full_name)],
            submit_label=_("Save password"),
            perform=lambda form: service.set_password(
                db.session, self.actor, user, form.password.data, require_change=form.require_change.data
            )
            or self._keep_own_session(user)
            or _("The password of %(name)s was changed.", name=user.full_name),
        )

    @expose("/sign-out/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def sign_out_view(self):
        user = self.get_one_or_404(arg("id"))

        def perform(form):
            service.sign_out_everywhere(db.session, self.actor, user)
            self._keep_own_session(user)
            return _("%(name)s was signed out everywhere.", name=user.full_name)

        messages = [_("%(name)s will be signed out in every browser and has to sign in again.", name=user.full_name)]
        if user.id == self.actor.id:
            messages.append(_("Your other browsers are signed out; this one stays signed in."))
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Sign out everywhere"),
            messages=messages,
            submit_label=_("Sign out everywhere"),
            perform=perform,
        )

    @expose("/two-factor-reset/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def two_factor_reset_view(self):
        from backoffice.services import two_factor

        user = self.get_one_or_404(arg("id"))

        def perform(form):
            two_factor.reset(db.session, self.actor, user)
            return _("Two-factor sign-in of %(name)s was reset.", name=user.full_name)

        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Reset two-factor sign-in"),
            messages=[
                _("%(name)s's authenticator app, recovery codes and remembered devices stop working; "
                  "they set up two-factor sign-in again if they need it.", name=user.full_name)
            ],
            submit_label=_("Reset two-factor sign-in"),
            perform=perform,
        )

    @expose("/remove/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def delete_user_view(self):
        user = self.get_one_or_404(arg("id"))
        name = user.full_name

        def perform(form):
            outcome = service.delete_user(db.session, self.actor, user)
            if outcome == "deleted":
                return _("%(name)s was deleted.", name=name)
            return _("%(name)s is referred to by other records, so the account was deactivated instead.", name=name)

        return self.confirm(
            form=TypedDeleteForm(),
            title=dialog_title(self.permission_prefix, "delete", name),
            messages=[
                _("The user %(name)s will be deleted. A user that other records refer to is deactivated instead.", name=name)
            ],
            submit_label=_("Delete"),
            danger=True,
            confirm_text="DELETE",
            perform=perform,
        )


