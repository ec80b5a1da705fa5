"""Custom fields of the customer register (seed 001): the page where a system administrator defines them
(/admin/custom-fields/, permission settings.edit, linked from the register settings page) and the pieces
the customer form uses (one form field per active definition, prefilled, read back for the service).

Thin: parse the request, check the permission (fail closed), call services/custom_fields.py through
saving.run_service. Add and edit open in the shared side panel; archive, restore and delete are named
confirmation dialogs; move up / down is a small POST form.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired
from wtforms.widgets import DateInput

from backoffice.admin.base import PlainConfirmForm, SecureBaseView, record_or_404, redirect_after_post
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.admin.history_labels import CUSTOM_FIELD_TYPE_LABELS
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models import CustomFieldDefinition
from backoffice.models.custom_field import FIELD_TYPES
from backoffice.models.roles import can
from backoffice.parsers import DIALOG, Choice, Flag, Id, accepts, arg
from backoffice.saving import run_service
from backoffice.services import custom_fields as service


# --- the definitions' page --------------------------------------------------------------------------------


class DefinitionForm(Form):
    label = StringField(_l("Label"), validators=[DataRequired(), column_length(CustomFieldDefinition.label)])
    type = SelectField(_l("Type"), choices=[(t, CUSTOM_FIELD_TYPE_LABELS[t]) for t in FIELD_TYPES], default="text")
    options = TextAreaField(
        _l("Options"),
        description=_l("For a choice field: one option per line, in the order they are offered."),
        render_kw={"rows": 5},
    )
    required = BooleanField(
        _l("Required"), description=_l("A customer can't be saved without a value (not for yes/no fields).")
    )

    def values(self) -> dict:
        return {"label": self.label.data, "type": self.type.data, "required": self.required.data,
                "options": self.options.data}


class DefinitionEditForm(DefinitionForm):
    version = VersionField()


def type_label(kind: str) -> str:
    return str(CUSTOM_FIELD_TYPE_LABELS.get(kind, kind))


class CustomFieldsView(SecureBaseView):
    """/admin/custom-fields/: the customer register's custom fields, in order (system administrators)."""

    endpoint_permissions = {
        "index": "settings.edit",
        "new_view": "settings.edit",
        "edit_view": "settings.edit",
        "move_view": "settings.edit",
        "archive_view": "settings.edit",
        "restore_view": "settings.edit",
        "delete_view": "settings.edit",
    }

    def is_accessible(self):
        return super().is_accessible() and can(current_user, "settings.edit")

    def list_url(self) -> str:
        return url_for(".index")

    def _definition_or_404(self, definition_id) -> CustomFieldDefinition:
        return record_or_404(CustomFieldDefinition, definition_id)

    @expose("/")
    @accepts(saved=Id())
    def index(self):
        return self.render(
            "admin/custom_fields.html",
            definitions=service.all_definitions(db.session),
            type_label=type_label,
            saved_id=arg("saved"),
        )

    def _panel(self, form, title, submit_label, status):
        return self.fragment_or_page(
            "admin/_custom_field_form.html", "admin/custom_field_form_page.html", status,
            form=form, title=title, submit_label=submit_label,
            action_url=request.full_path.rstrip("?"), cancel_url=url_for(".index"),
        )

    @expose("/new/", methods=("GET", "POST"))
    @accepts(panel=Flag(), modal=Flag())
    def new_view(self):
        form = DefinitionForm()
        outcome = run_service(form, lambda: service.create_definition(db.session, self.actor, **form.values()))
        if outcome.saved:
            flash(_("Custom field %(name)s was created.", name=outcome.value.label), "success")
            return redirect_after_post(url_for(".index", saved=outcome.value.id))
        return self._panel(form, _("Add custom field"), _("Create"), outcome.status)

    @expose("/edit/", methods=("GET", "POST"))
    @accepts(id=Id(), panel=Flag(), modal=Flag())
    def edit_view(self):
        definition = self._definition_or_404(arg("id"))
        if request.method == "GET":
            form = DefinitionEditForm(
                label=definition.label, type=definition.field_type, required=definition.required,
                options="\n".join(definition.options or []), version=str(definition.version),
            )
        else:
            form = DefinitionEditForm()
        outcome = run_service(form, lambda: service.update_definition(
            db.session, self.actor, definition, expected_version=posted_version(form), **form.values()))
        if outcome.saved:
            flash(_("Custom field %(name)s was saved.", name=definition.label), "success")
            return redirect_after_post(url_for(".index", saved=definition.id))
        if outcome.gone:
            return redirect_after_post(url_for(".index"))
        if outcome.conflict is not None:
            show_conflict(form, outcome.conflict, {
                "label": definition.label, "type": definition.field_type, "required": definition.required,
                "options": "\n".join(definition.options or []),
            })
        return self._panel(form, _("Edit custom field"), _("Update"), outcome.status)

    @expose("/move/", methods=("POST",))
    @accepts(id=Id(), direction=Choice("up", "down"), modal=Flag(), panel=Flag())
    def move_view(self):
        definition = self._definition_or_404(arg("id"))
        direction = arg("direction")
        if direction is None:
            abort(400)
        outcome = run_service(PlainConfirmForm(), lambda: service.move_definition(
            db.session, self.actor, definition, direction))
        if not outcome.saved and outcome.error is None:  # (the form did not validate: an expired CSRF token)
            flash(_("The page had expired. Try again."), "error")
        return redirect_after_post(url_for(".index", saved=definition.id))

    @expose("/archive/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def archive_view(self):
        definition = self._definition_or_404(arg("id"))
        label = definition.label
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Archive custom field %(name)s?", name=label),
            messages=[_("%(name)s will be hidden from the customer forms, the customer card and the CSV "
                        "download. The values already entered are kept; restore the field to show them again.",
                        name=label)],
            submit_label=_("Archive"),
            perform=lambda form: service.archive_definition(db.session, self.actor, definition) is not None
            and _("Custom field %(name)s was archived.", name=label),
        )

    @expose("/restore/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def restore_view(self):
        definition = self._definition_or_404(arg("id"))
        label = definition.label
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Restore custom field %(name)s?", name=label),
            messages=[_("%(name)s will be shown again on the customers, with the values they kept.", name=label)],
            submit_label=_("Restore"),
            perform=lambda form: service.restore_definition(db.session, self.actor, definition) is not None
            and _("Custom field %(name)s was restored.", name=label),
        )

    @expose("/delete/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def delete_view(self):
        definition = self._definition_or_404(arg("id"))
        label = definition.label
        in_use = service.values_in_use(db.session, definition)
        messages = [_("The custom field %(name)s will be deleted.", name=label)]
        if in_use:
            messages = [_("%(n)d customers have a value in %(field)s, so it can't be deleted. Archive it instead: "
                          "it is hidden and the values are kept.", n=in_use, field=label)]
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Delete custom field %(name)s?", name=label),
            messages=messages,
            submit_label=_("Delete field"),
            danger=True,
            perform=lambda form: service.delete_definition(db.session, self.actor, definition)
            and _("Custom field %(name)s was deleted.", name=label),
        )


# --- the customer form's fields (admin/customers.py) ---------------------------------------------------------


class _RequiredMark:
    """Marks a field required (its label in bold) without checking anything: the service checks."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


def _form_field(definition: CustomFieldDefinition):
    validators = [_RequiredMark()] if definition.required else []
    label = definition.label
    if definition.field_type == "yesno":
        return BooleanField(label)
    if definition.field_type == "choice":
        return SelectField(label, choices=[("", _l("— Not set —"))] + [(o, o) for o in definition.options or []],
                           validators=validators, validate_choice=False)
    if definition.field_type == "date":
        return StringField(label, validators=validators, widget=DateInput(),
                           description=_l("YYYY-MM-DD"))
    if definition.field_type == "number":
        return StringField(label, validators=validators, render_kw={"inputmode": "decimal", "autocomplete": "off"})
    return StringField(label, validators=validators)


def with_custom_fields(form_class):
    """``form_class`` with one field per active custom field (named ``custom_<id>``), built per request."""
    definitions = service.active_definitions(db.session)
    form = type(form_class.__name__, (form_class,), {d.field_name: _form_field(d) for d in definitions})
    form.custom_field_names = tuple(d.field_name for d in definitions)
    return form


def prefill(customer) -> dict:
    """The edit form's custom fields as stored (keyword arguments of the form)."""
    values = customer.custom_values or {}
    result = {}
    for definition in service.active_definitions(db.session):
        value = values.get(definition.key)
        result[definition.field_name] = bool(value) if definition.field_type == "yesno" else ("" if value is None else str(value))
    return result


def posted(form) -> dict:
    """{definition id -> typed value} of the custom fields in ``form`` (for the customer services)."""
    return {int(name.removeprefix("custom_")): form[name].data for name in getattr(form, "custom_field_names", ())}


def card(customer) -> list[tuple[str, str | None]]:
    """(label, value) of the active custom fields: the customer page under its header."""
    return service.card_rows(db.session, customer)
