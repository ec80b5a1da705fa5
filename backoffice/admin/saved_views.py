"""Saved views of the customers list (issue 11): the "Saved views" menu beside the quick status filters,
"Save this view…" (a name; "Share with everyone" only for users who may share), Rename and Delete for the
owner, and opening a view (back to the list with its parameters, saying when a group it names is gone).

Thin: the rules live in services/saved_views.py. The list's parameters are read through the parsers the
customers list declares for them (CustomerView.query_params["index_view"]), so a filter added to the list
is saved by adding its name to services/saved_views.LIST_PARAMS.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from backoffice.admin.base import PlainConfirmForm, SecureBaseView
from backoffice.admin.conflicts import VersionField, posted_version
from backoffice.admin.customers import CustomerView
from backoffice.extensions import db
from backoffice.forms import Form, column_length
from backoffice.models.roles import can
from backoffice.models.saved_view import SavedView
from backoffice.parsers import DIALOG, Flag, Id, Param, accepts, arg, declared
from backoffice.saving import run_service
from backoffice.services import saved_views as service
from backoffice.services.errors import ServiceError

LIST_ENDPOINT = "customers.index_view"


# The parser of each saved parameter, as the customers list declares it (the save dialog declares the same).
LIST_PARSERS: dict[str, Param] = {
    name: CustomerView.query_params["index_view"][name] for name in service.LIST_PARAMS
    if name in CustomerView.query_params["index_view"]
}


def current_params() -> dict:
    """This request's list parameters (on the customers list, or the save dialog that carries them on)."""
    here = declared(request.endpoint) or {}
    return service.normalize({name: arg(name) for name in LIST_PARSERS if name in here})


def list_url(params: dict) -> str:
    return url_for(LIST_ENDPOINT, **service.url_params(params))


class SaveViewForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")),
                                               column_length(SavedView.name)],
                       render_kw={"autocomplete": "off"})
    shared = BooleanField(_l("Share with everyone"),
                          description=_l("Everyone who can see the customers list finds it in their saved views."))


class RenameViewForm(Form):
    version = VersionField()
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")),
                                               column_length(SavedView.name)],
                       render_kw={"autocomplete": "off"})


def menu() -> dict:
    """What the customers list's "Saved views" menu shows (templates/admin/customers/_saved_views.html)."""
    actor = current_user._get_current_object()
    current = current_params()
    here = request.full_path.rstrip("?")
    rows = []
    for view in service.visible(db.session, actor):
        own = service.may_change(actor, view)
        rows.append({
            "view": view,
            "own": own,
            "active": service.is_active(view, current),
            "url": url_for("saved_views.index", id=view.id),
            "rename_url": url_for("saved_views.rename_view", id=view.id, url=here) if own else None,
            "delete_url": url_for("saved_views.delete_view", id=view.id, url=here) if own else None,
        })
    return {
        "rows": rows,
        "save_url": url_for("saved_views.save_view", **service.url_params(current)),
        "can_save": can(actor, "customers.view"),
    }


class SavedViewsView(SecureBaseView):
    """/admin/customers/views/: save, open, rename and delete saved views of the customers list."""

    endpoint_permissions = {
        "save_view": "customers.view",
        "index": "customers.view",  # opens a view: ?id=
        "rename_view": "customers.view",  # the service allows the owner only
        "delete_view": "customers.view",  # the service allows the owner only
    }

    def list_url(self) -> str:
        """Cancel, and where a done dialog goes: the list the view was saved from (the save dialog carries its
        parameters), else the list the user came from."""
        if request.endpoint == f"{self.endpoint}.save_view":
            return list_url(current_params())
        return arg("url") or url_for(LIST_ENDPOINT)

    def _visible_or_back(self, view_id):
        try:
            return service.get_visible(db.session, self.actor, view_id)
        except ServiceError as error:
            flash(str(error.message), "error")
            return None

    @expose("/save/", methods=("GET", "POST"))
    @accepts(modal=Flag(), panel=Flag(), **LIST_PARSERS)
    def save_view(self):
        """Save the list's parameters this URL carries (the link on the list passes them on)."""
        params = current_params()
        form = SaveViewForm()
        if not can(self.actor, "customers.share_views"):
            del form.shared
        return self.confirm(
            form=form,
            title=_("Save this view"),
            messages=[_("Save the list's search, filters and sort under a name to open them again later.")],
            submit_label=_("Save view"),
            perform=lambda form: _("The view %(name)s was saved.", name=service.save(
                db.session, self.actor, form.name.data, params,
                shared=bool(form.shared.data) if "shared" in form else False).name),
        )

    @expose("/")
    @accepts(id=Id())
    def index(self):
        """Back to the customers list with the view's parameters (and why it shows none, if a group is gone)."""
        view = self._visible_or_back(arg("id"))
        if view is None:
            return redirect(url_for(LIST_ENDPOINT))
        found = service.resolve(db.session, view)
        for notice in found.notices:
            flash(str(notice), "warning")
        return redirect(url_for(LIST_ENDPOINT, **found.params))

    def _own_or_back(self, view_id, message):
        view = self._visible_or_back(view_id)
        if view is not None and not service.may_change(self.actor, view):
            flash(str(message), "error")
            return None
        return view

    @expose("/rename/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def rename_view(self):
        view = self._own_or_back(arg("id"), _("Only the owner can rename this saved view."))
        if view is None:
            return redirect(self.list_url())
        form = RenameViewForm() if request.method == "POST" else RenameViewForm(name=view.name, version=view.version)
        old = view.name
        return self.confirm(
            form=form,
            title=_("Rename saved view %(name)s", name=old),
            messages=[],
            submit_label=_("Rename"),
            perform=lambda form: service.rename(db.session, self.actor, view, form.name.data,
                                                expected_version=posted_version(form))
            and _("The view %(old)s is now called %(name)s.", old=old, name=view.name),
        )

    @expose("/delete/", methods=("GET", "POST"))
    @accepts(**DIALOG)
    def delete_view(self):
        view = self._own_or_back(arg("id"), _("Only the owner can delete this saved view."))
        if view is None:
            return redirect(self.list_url())
        name = view.name
        messages = [_("The saved view %(name)s will be deleted. The customers it shows are kept.", name=name)]
        if view.shared:
            messages.append(_("It is shared: it disappears from everyone's saved views."))
        return self.confirm(
            form=PlainConfirmForm(),
            title=_("Delete saved view %(name)s?", name=name),
            messages=messages,
            submit_label=_("Delete view"),
            danger=True,
            perform=lambda form: service.delete(db.session, self.actor, view)
            and _("The saved view %(name)s was deleted.", name=name),
        )
