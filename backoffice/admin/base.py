"""The shared shape of every admin view: permission per endpoint, service-backed saves,
row menus, and confirmation dialogs (typed DELETE) for state changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import abort, flash, get_template_attribute, make_response, redirect, render_template, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from flask_admin.form import FormOpts
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Integer
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from backoffice.models.roles import PERMISSIONS, can
from backoffice.admin.conflicts import VersionField, posted_version, show_conflict
from backoffice.extensions import db
from backoffice.forms import PAGE_MAX, AdminForm, Form
from backoffice.security import MissingPermission
from backoffice.parsers import DIALOG, Flag, Id, Index, Page, ReturnUrl, Text, accepts, arg, form_text, safe_next
from backoffice.saving import Outcome, beside_field, run_service, saved_message, submitted, validates
from backoffice.services.validation import parse_id, search_text


def record_or_404(model, record_id):
    """The ``model`` row with this id, or a 404 (an id the parser could not read arrives as None)."""
    record = db.session.get(model, record_id) if record_id is not None else None
    if record is None:
        abort(404)
    return record


@dataclass
class MenuItem:
    label: str
    url: str
    dialog: bool = False  # opens a confirmation dialog (a page of its own without JavaScript)
    panel: bool = False  # opens in the side panel
    danger: bool = False


class TypedDeleteForm(Form):
    """The typed confirmation: exactly DELETE, checked on the server whatever the page did."""

    confirmation = StringField(_l("Type DELETE to confirm"), validators=[DataRequired()])

    def validate_confirmation(self, field):
        if field.data != "DELETE":
            raise ValidationError(_l("Type DELETE exactly, in capital letters."))


class PlainConfirmForm(Form):
    pass


def deny(permission: str | None = None):
    """Anonymous users go to sign in; signed-in users without the permission get 403, whose page names
    ``permission`` (none: the endpoint maps to no permission, fail closed)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if permission is not None and not can(current_user, "admin.access"):
        permission = "admin.access"  # (the first thing missing: every back-office page needs it)
    raise MissingPermission(permission)


def redirect_after_post(url: str):
    """A redirect, or for a form posted by script from a dialog or side panel (?modal=1 / ?panel=1)
    a 200 naming the next page in X-Redirect: fetch would follow a 302 itself and use up the
    flashed message before the page that shows it loads."""
    if fetched_by_script():
        response = make_response("", 200)
        response.headers["X-Redirect"] = url
        return response
    return redirect(url)


def fetched_by_script() -> bool:
    """A dialog (?modal=1) or side panel (?panel=1) fetched by script (the endpoint declares both)."""
    return bool(arg("modal") or arg("panel"))


def drop_unsafe_return_url() -> None:
    """Flask-Admin's ?url= return address is dropped unless it is a plain path on this site, so the
    view returns to its list instead. (Flask-Admin's own is_safe_url strips whitespace before checking,
    so "\\r" or "\\n" got into a Location header: a 500.)"""
    for name in ("args", "form"):
        values = getattr(request, name)
        target = values.get("url")
        if target and not safe_next(target):
            kept = values.copy()
            kept.poplist("url")
            setattr(request, name, ImmutableMultiDict(kept))  # werkzeug caches these per request
            request.__dict__.pop("values", None)


def with_param(url: str, name: str, value) -> str:
    """``url`` (a path on this site) with the query parameter ``name`` set to ``value``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, str(value)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def status_badge(label: str, kind: str) -> Markup:
    """A chip from templates/admin/_status.html (the one place chips are built)."""
    return Markup(get_template_attribute("admin/_status.html", "badge")(label, kind))


def status_chip(record) -> Markup:
    """ACTIVE / INACTIVE / DELETED of a record, from templates/admin/_status.html."""
    return Markup(get_template_attribute("admin/_status.html", "status_chip")(record))


def datetime_formatter(view, value, name) -> str:
    """A time in the reader's language and time zone (not Python's 2026-11-23 14:54:08.953592 in UTC)."""
    return format_datetime(value, "short")


def endpoint_permission(view) -> str | None:
    """The permission the current request's endpoint of ``view`` names (a model view's suffix made whole)."""
    name = (request.endpoint or "").rsplit(".", 1)[-1]
    permission = view.endpoint_permissions.get(name)
    prefix = getattr(view, "permission_prefix", "")
    if permission and prefix and "." not in permission:
        permission = f"{prefix}.{permission}"
    return permission


def in_scope(view, customer) -> bool:
    """(issue 14) Whether the signed-in user may see ``customer`` — and change it, where the endpoint needs
    customers.edit — as services/customer_scope.py has it (only assigned customers for some roles)."""
    from backoffice.services import customer_scope

    actor = current_user._get_current_object()
    if not customer_scope.can_see(db.session, actor, customer):
        return False
    return endpoint_permission(view) != "customers.edit" or customer_scope.can_change(db.session, actor, customer)


def customer_or_404(view, customer):
    """``customer`` when the user may reach it from this endpoint of ``view`` (``in_scope``), else a 404: a customer
    out of one's scope is not found, by any URL."""
    if customer is None or not in_scope(view, customer):
        abort(404)
    return customer


class DialogViews:
    """The confirmation dialog and the fragment-or-page rendering both kinds of view share (model views and
    plain pages); the view supplies ``list_url`` (where Cancel and a done dialog go) and ``render``."""

    def confirm(self, *, form, title, messages, submit_label, perform, danger=False, confirm_text=None, items=None):
        """GET shows the dialog (a fragment with ?modal=1); POST checks the form and performs."""
        cancel_url = self.list_url()
        if request.method == "POST":
            done = run_service(form, lambda: perform(form))
            if done.saved:
                flash(done.value, "success")
                return redirect_after_post(cancel_url)
        context = dict(
            form=form,
            title=title,
            messages=messages,
            submit_label=submit_label,
            danger=danger,
            confirm_text=confirm_text,
            items=items,
            action_url=request.full_path.rstrip("?"),
            cancel_url=cancel_url,
        )
        status = 400 if request.method == "POST" else 200
        return self.fragment_or_page("admin/_confirm_form.html", "admin/confirm.html", status, **context)

    def fragment_or_page(self, fragment: str, page: str, status: int, **context):
        """A dialog or side panel fetched by script (?modal=1 / ?panel=1) gets just its fragment;
        without JavaScript the same form is a page of its own."""
        if fetched_by_script():
            return render_template(fragment, **context), status
        return self.render(page, **context), status


class SecureModelView(DialogViews, ModelView):
    """A model view where every endpoint names the permission it needs (fail closed)."""

    permission_prefix: str = ""
    # exposed method name -> permission suffix; anything not named here is refused.
    endpoint_permissions = {
        "index_view": "view",
        "details_view": "view",
        "ajax_lookup": "view",
        "create_view": "create",
        "edit_view": "edit",
        "action_view": "view",  # each action checks its own permission in is_action_allowed
    }
    # The query parameters of Flask-Admin's own endpoints (Flask-Admin parses them; get_one checks ids):
    # declared like the app's own endpoints' (@accepts), for tests/test_fuzz_params.py.
    # Flask-Admin's internals read their arguments themselves (a filter's flt0_0=..., an export's
    # search and sort): declared with what their list reads, so the walk gives each hostile values.
    _list_params = {"search": Text(), "page": Page(), "page_size": Page(), "sort": Index(), "desc": Flag(),
                    "url": ReturnUrl(), "saved": Id()}
    query_params = {
        "index_view": _list_params,
        "details_view": DIALOG,
        "edit_view": DIALOG,
        "create_view": {"url": ReturnUrl(), "modal": Flag(), "panel": Flag()},
        "export": _list_params,
        "ajax_lookup": {"name": Text(), "query": Text(), "offset": Page(), "limit": Page()},
        "ajax_update": {},  # POST: the list's inline edit, a form body Flask-Admin's form validates
        "action_view": {"url": ReturnUrl()},  # POST: the selected rows are the form body
    }
    list_template = "admin/backoffice_list.html"
    # The view's own list parameters (declared in query_params) the search box keeps when it searches.
    kept_list_params: tuple[str, ...] = ()
    # Add and edit: one form for every register, in the side panel (?panel=1) or as a page of its own.
    create_template = edit_template = "admin/backoffice_form.html"
    form_base_class = AdminForm  # scaffolded forms refuse NUL like the app's own forms
    page_size = 20
    can_set_page_size = True
    page_size_options = (20, 50, 100)
    can_view_details = True
    create_in_panel = True
    create_label = _l("Create")
    edit_label = _l("Edit")
    # The list column whose order the list has before a sort is chosen (marked in its header);
    # by default the first key of column_default_sort, when that key is a list column.
    default_sort_column: str | None = None
    column_display_actions = False
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: datetime_formatter}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, datetime: datetime_formatter}
    action_disallowed_list: list = []

    @property
    def actor(self):
        """The signed-in user, passed to services explicitly."""
        return current_user._get_current_object()

    def perm(self, suffix: str) -> str:
        return f"{self.permission_prefix}.{suffix}"

    def allowed(self, suffix: str) -> bool:
        return can(current_user, self.perm(suffix))

    def is_accessible(self) -> bool:
        return self.allowed("view")

    def inaccessible_callback(self, name, **kwargs):
        return deny(self.perm("view"))

    def _run_view(self, fn, *args, **kwargs):
        """A form posted from the side panel is answered like the panel's own forms (redirect_after_post):
        Flask-Admin's redirect after a save becomes a 200 naming the next page in X-Redirect."""
        response = super()._run_view(fn, *args, **kwargs)
        is_form = request.endpoint.rsplit(".", 1)[-1] in ("create_view", "edit_view")  # they declare ?panel
        if is_form and request.method == "POST" and arg("panel") and getattr(response, "status_code", 200) in (301, 302, 303):
            return redirect_after_post(response.headers["Location"])
        return response

    def _handle_view(self, name, **kwargs):
        suffix = self.endpoint_permissions.get(name)
        if suffix is None or not self.allowed(suffix):
            return deny(suffix and self.perm(suffix))
        drop_unsafe_return_url()
        return None

    @property
    def can_create(self):
        return self.allowed("create")

    @property
    def can_edit(self):
        return self.allowed("edit")

    can_delete = False  # deletion goes through the confirmation dialogs below
    # Flask-Admin's own POST-only /delete/ would shadow the dialogs' /delete/ URL for POST
    # (its rule comes first), so every confirmed delete would be refused: unexpose it.
    delete_view = None

    # --- saving through services -------------------------------------------------------
    def service_create(self, form):
        raise NotImplementedError

    def service_update(self, form, model):
        raise NotImplementedError

    def form_values(self, form, names) -> dict:
        return {name: form[name].data for name in names if name in form}

    # After a save the flash names the record, linked to its details, and the list marks its row.
    created_message = _l("“%(name)s” was created.")
    updated_message = _l("“%(name)s” was saved.")

    def record_name(self, model) -> str:
        return str(model)

    def flash_saved(self, model, *, created: bool) -> None:
        url = self.get_url(".details_view", id=self.get_pk_value(model)) if self.can_view_details else None
        text = str(self.created_message if created else self.updated_message)
        flash(saved_message(text, self.record_name(model), url), "success")

    def saved_url(self, model) -> str:
        """The list the user came from, with the saved row marked (?saved=<id>)."""
        return with_param(self.list_url(), "saved", self.get_pk_value(model))

    # --- optimistic locking: the edit form carries the version it was opened with ------------
    def get_edit_form(self):
        form_class = super().get_edit_form()
        if hasattr(self.model, "version") and not hasattr(form_class, "version"):
            form_class = type(f"Versioned{form_class.__name__}", (form_class,), {"version": VersionField()})
        return form_class

    def expected_version(self, form) -> str:
        """The version posted in the edit form's hidden field, for the service's ``expected_version``."""
        return posted_version(form)

    def conflict_values(self, model) -> dict:
        """Form field name -> what is stored now, shown beside the typed values after a refused save."""
        return {name: getattr(model, name, None) for name in getattr(self, "form_columns", None) or ()}

    # --- the one save path of every model view: create and edit ----------------------------------
    def prepare_form(self, form, model) -> None:
        """Fill in what a form needs before it is shown (a picker's choices). ``model`` is None on create."""

    def create_model(self, form) -> Outcome:
        """The service's create, committed (Flask-Admin's hook; truthy when saved)."""
        return run_service(form, lambda: self.service_create(form), validate=False, place=False)

    def update_model(self, form, model) -> Outcome:
        """The service's update, committed (Flask-Admin's hook; truthy when saved)."""
        return run_service(form, lambda: self.service_update(form, model) or model, validate=False, place=False)

    def _save_posted(self, form, save) -> Outcome:
        if not validates(form):
            return Outcome(saved=False, submitted=submitted())
        return save()

    def render_form(self, form, model, status: int, message: str | None = None):
        """The create (``model`` None) or edit page; ``message`` is a refusal that names no field (shown
        above the form). A view with its own form page (the side panel) overrides this."""
        if message:
            flash(message, "error")
        rules = self._form_create_rules if model is None else self._form_edit_rules
        context = {
            "form": form,
            "form_opts": FormOpts(widget_args=self.form_widget_args, form_rules=rules),
            "return_url": self.list_url(),
        }
        if model is None:
            return self.render(self.create_template, **context), status
        return self.render(self.edit_template, model=model, **context), status

    def _checked_form(self, form, rules):
        if not getattr(form, "_validated_ruleset", False):
            self._validate_form_instance(ruleset=rules, form=form)
        return form

    @expose("/new/", methods=("GET", "POST"))
    @accepts(url=ReturnUrl(), modal=Flag(), panel=Flag())
    def create_view(self):
        form = self._checked_form(self.create_form(), self._form_create_rules)
        self.prepare_form(form, None)
        outcome = self._save_posted(form, lambda: self.create_model(form))
        if outcome.saved:
            model = outcome.value
            self.flash_saved(model, created=True)
            if form_text("_add_another"):  # the second submit button of the form
                return redirect_after_post(self.get_url(".create_view", url=self.list_url()))
            return redirect_after_post(self.saved_url(model))
        return self.render_form(form, None, outcome.status, self.refusal_message(form, outcome))

    @expose("/edit/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def edit_view(self):
        model = self.get_one(arg("id"))
        if model is None:
            abort(404)
        if not self.is_editable_row(model):
            # What to show: a deleted record has no edit form (the service refuses the save anyway).
            flash(self.not_editable_message, "error")
            return redirect(self.get_url(".details_view", id=self.get_pk_value(model)))
        form = self._checked_form(self.edit_form(obj=model), self._form_edit_rules)
        self.prepare_form(form, model)
        outcome = self._save_posted(form, lambda: self.update_model(form, model))
        if outcome.saved:
            self.flash_saved(outcome.value, created=False)
            return redirect_after_post(self.saved_url(outcome.value))
        if outcome.gone:  # deleted in the same instant: nothing to edit
            flash(str(outcome.conflict.message), "error")
            return redirect(self.list_url())
        message = self.refusal_message(form, outcome)
        if request.method == "GET" or form.errors:  # (Flask-Admin's hook, as its own edit view calls it)
            self.on_form_prefill(form, self.get_pk_value(model))
        if outcome.conflict is not None:  # someone else saved first: their values beside the typed ones
            show_conflict(form, outcome.conflict, self.conflict_values(outcome.conflict.record or model))
        return self.render_form(form, model, outcome.status, message)

    @staticmethod
    def refusal_message(form, outcome: Outcome) -> str | None:
        """The refusal to show above the form: a conflict's, or one that names no field (the others
        are put beside their field here)."""
        if outcome.error is None:
            return None
        if outcome.conflict is not None:
            return str(outcome.conflict.message)
        return beside_field(form, outcome.error)

    not_editable_message = _l("A deleted record can't be edited. Recover it first.")

    # --- list arguments ------------------------------------------------------------------
    def _get_list_extra_args(self):
        """Flask-Admin's list arguments, made safe for the query: NUL dropped from the search and the
        filter values (PostgreSQL refuses it: a 500), the page held to a number an OFFSET can take."""
        args = super()._get_list_extra_args()
        args.search = search_text(args.search) or None
        if args.filters:
            args.filters = [(idx, name, search_text(value)) for idx, name, value in args.filters]
        args.page = max(0, min(args.page or 0, PAGE_MAX))
        return args

    # --- list helpers --------------------------------------------------------------------
    def default_sort_index(self) -> int | None:
        """The position in the list's columns of the default sort's column (None: not shown)."""
        name = self.default_sort_column
        if name is None and self.column_default_sort:
            first = self.column_default_sort[0] if isinstance(self.column_default_sort, list) else self.column_default_sort
            name = first[0] if isinstance(first, tuple) else first
        names = [column for column, _label in self._list_columns]
        return names.index(name) if name in names else None

    def default_sort_desc(self) -> bool:
        first = self.column_default_sort[0] if isinstance(self.column_default_sort, list) else self.column_default_sort
        return bool(first[1]) if isinstance(first, tuple) else False

    def row_class(self, row) -> str:
        classes = []
        if getattr(row, "deleted_at", None):
            classes.append("bo-row-deleted")
        if str(self.get_pk_value(row)) == str(arg("saved")):  # just created or saved (the flash links to it)
            classes.append("bo-row-saved")
        return " ".join(classes)

    def row_menu(self, row, return_url) -> list[MenuItem]:
        pk = self.get_pk_value(row)
        items = [MenuItem(_("View"), self.get_url(".details_view", id=pk, url=return_url))]
        if self.can_edit and self.is_editable_row(row):
            items.append(MenuItem(_("Edit"), self.get_url(".edit_view", id=pk, url=return_url), panel=self.create_in_panel))
        return items

    def is_editable_row(self, row) -> bool:
        return not getattr(row, "deleted_at", None)

    def list_url(self) -> str:
        return arg("url") or self.get_url(".index_view")

    def get_one(self, id):
        """None for an id that can't be an integer primary key: PostgreSQL would fail the query
        (a 500) for ?id=abc or an out-of-range number where SQLite merely finds nothing."""
        pk = self.model.__table__.primary_key.columns.values()
        if len(pk) == 1 and isinstance(pk[0].type, Integer):
            number = parse_id(id)  # (Flask-Admin decodes the id as text; an id from parsers.Id is an int)
            if number is None:
                return None
            id = str(number)
        record = super().get_one(id)
        return record if record is None or self.record_in_scope(record) else None

    def shown_columns(self, list_columns):
        """The list's columns as this request shows them (a view with optional columns adds them)."""
        return list_columns

    def record_in_scope(self, record) -> bool:
        """Whether the signed-in user may reach ``record`` at all (a view of records some users see only some of
        says which; the others are not found)."""
        return True

    def get_one_or_404(self, id_value):
        model = self.get_one(id_value)
        if model is None:
            abort(404)
        return model


# The dialogs' titles name the action and the record: "Delete customer Bergdata HA 30?". One table, one
# line per register (whole sentences, so that each language can word them); keyed by permission_prefix.
DIALOG_TITLES = {
    "customers": {
        "delete": _l("Delete customer %(name)s?"),
        "recover": _l("Recover customer %(name)s?"),
        "purge": _l("Permanently delete customer %(name)s?"),
    },
    "organizations": {
        "delete": _l("Delete organization %(name)s?"),
        "recover": _l("Recover organization %(name)s?"),
        "purge": _l("Permanently delete organization %(name)s?"),
    },
    "users": {"delete": _l("Delete user %(name)s?")},
}
GENERIC_DIALOG_TITLES = {
    "delete": _l("Delete %(name)s?"),
    "recover": _l("Recover %(name)s?"),
    "purge": _l("Permanently delete %(name)s?"),
}


def dialog_title(register: str, action: str, name) -> str:
    """The title of a confirmation dialog: the action and the record it acts on."""
    template = DIALOG_TITLES.get(register, {}).get(action) or GENERIC_DIALOG_TITLES[action]
    return str(template) % {"name": name}


class SoftDeleteViews:
    """Delete (typed DELETE), Recover and Permanently delete for a soft-deletable model.

    The view supplies the service calls and the wording; the rules stay in the services.
    """

    soft_delete_endpoints = {"soft_delete_view": "delete", "recover_view": "delete", "purge_view": "purge"}

    def soft_delete(self, obj):  # -> None, raises ServiceError
        raise NotImplementedError

    def recover(self, obj, form):
        raise NotImplementedError

    def purge(self, obj):
        raise NotImplementedError

    def delete_messages(self, obj) -> list:
        return [_("“%(name)s” will be marked as deleted and will be unreachable.", name=obj)]

    def purge_messages(self, obj) -> list:
        return [
            _("“%(name)s” will be removed from the database permanently.", name=obj),
            _("This operation cannot be undone."),
        ]

    def recover_form(self, obj):
        return PlainConfirmForm()

    def recover_messages(self, obj) -> list:
        return [_("Do you want to recover “%(name)s”?", name=obj)]

    def row_menu(self, row, return_url):
        items = super().row_menu(row, return_url)
        pk = self.get_pk_value(row)
        if row.deleted_at is None:
            if self.allowed("delete"):
                items.append(MenuItem(_("Delete"), self.get_url(".soft_delete_view", id=pk, url=return_url), dialog=True, danger=True))
        else:
            if self.allowed("delete"):
                items.append(MenuItem(_("Recover"), self.get_url(".recover_view", id=pk, url=return_url), dialog=True))
            if self.allowed("purge"):
                items.append(
                    MenuItem(_("Permanently delete"), self.get_url(".purge_view", id=pk, url=return_url), dialog=True, danger=True)
                )
        return items

    def delete_view(self):
        """Not exposed: Flask-Admin's hard delete is routed at POST /delete/ too and would take the
        soft delete's confirmed POST (a 403, since it maps to no permission). Deletion is the dialogs below."""
        abort(404)

    def _refuse_state(self, message):
        flash(message, "error")
        return redirect(self.list_url())

    @expose("/soft-delete/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def soft_delete_view(self):
        obj = self.get_one_or_404(arg("id"))
        if obj.deleted_at is not None:
            return self._refuse_state(_("“%(name)s” is already deleted.", name=obj))
        return self.confirm(
            form=TypedDeleteForm(),
            title=dialog_title(self.permission_prefix, "delete", obj),
            messages=self.delete_messages(obj),
            submit_label=_("Delete"),
            danger=True,
            confirm_text="DELETE",
            perform=lambda form: self.soft_delete(obj) or _("“%(name)s” was deleted.", name=obj),
        )

    @expose("/recover/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def recover_view(self):
        obj = self.get_one_or_404(arg("id"))
        if obj.deleted_at is None:
            return self._refuse_state(_("“%(name)s” is not deleted, so there is nothing to recover.", name=obj))
        return self.confirm(
            form=self.recover_form(obj),
            title=dialog_title(self.permission_prefix, "recover", obj),
            messages=self.recover_messages(obj),
            submit_label=_("Recover"),
            perform=lambda form: self.recover(obj, form) or _("“%(name)s” was recovered.", name=obj),
        )

    @expose("/purge/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def purge_view(self):
        obj = self.get_one_or_404(arg("id"))
        if obj.deleted_at is None:
            return self._refuse_state(_("Only a deleted record can be permanently deleted. Delete it first."))
        name = str(obj)
        return self.confirm(
            form=TypedDeleteForm(),
            title=dialog_title(self.permission_prefix, "purge", name),
            messages=self.purge_messages(obj),
            submit_label=_("Permanently delete"),
            danger=True,
            confirm_text="DELETE",
            perform=lambda form: self.purge(obj) or _("“%(name)s” was permanently deleted.", name=name),
        )


class SecureBaseView(DialogViews, BaseView):
    """A plain (non-model) admin page where every exposed endpoint names its permission (fail closed).

    ``endpoint_permissions`` maps the exposed method name to a full permission string; a method not
    named there is refused. Hidden from the sidebar unless ``visible`` is set.
    """

    endpoint_permissions: dict[str, str] = {}
    visible = False

    @property
    def actor(self):
        return current_user._get_current_object()

    def is_visible(self) -> bool:
        return self.visible

    def is_accessible(self) -> bool:
        return bool(self.endpoint_permissions) and all(
            perm in PERMISSIONS for perm in self.endpoint_permissions.values()
        ) and can(current_user, "admin.access")

    def inaccessible_callback(self, name, **kwargs):
        return deny(self.endpoint_permissions.get(name) or "admin.access")

    def _handle_view(self, name, **kwargs):
        permission = self.endpoint_permissions.get(name)
        if permission is None or not can(current_user, permission):
            return deny(permission)
        return None

    def list_url(self) -> str:
        return arg("url") or self.get_url(".index")
