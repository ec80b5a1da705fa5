"""ADD MULTIPLE CUSTOMERS (seed 003): paste lines, Preview them, Add the valid ones (services/customer_paste.py)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Length

from backoffice.admin.base import SecureBaseView
from backoffice.admin.customer_groups import GROUP_PICKER
from backoffice.admin.pickers import MultiPickerField, fill_many
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.models.roles import can
from backoffice.parsers import accepts
from backoffice.saving import run_service
from backoffice.services import customer_paste as service

# What the text area takes: MAX_LINES lines of a few dozen characters each, with room to spare.
MAX_CHARS = 200_000


class PasteForm(Form):
    lines = TextAreaField(
        _l("Customers, one per line"),
        validators=[Length(max=MAX_CHARS)],
        description=_l("E-mail, first name, last name and phone, separated by commas, semicolons or tabs "
                       "(as copied from a spreadsheet). The phone may be left out."),
        render_kw={"rows": 10, "spellcheck": "false", "autocomplete": "off",
                   "placeholder": "anna.berg@example.com, Anna, Berg, 070-123 45 67"},
    )
    group_ids = MultiPickerField(_l("Customer groups"), placeholder=_l("Search customer groups"),
                                 description=_l("Every customer added joins these groups."))
    update_existing = BooleanField(
        _l("Update customers whose e-mail is already registered"),
        description=_l("Their names and phone from the line; the groups chosen are added to theirs."))
    preview = SubmitField(_l("Preview"))
    add = SubmitField(_l("Add"))


class CustomerPasteView(SecureBaseView):
    endpoint_permissions = {"index": "customers.upload"}
    visible = True

    def is_accessible(self) -> bool:
        return super().is_accessible() and can(current_user, "customers.upload")

    @expose("/", methods=("GET", "POST"))
    @accepts()
    def index(self):
        form = PasteForm()
        fill_many(GROUP_PICKER, form.group_ids, url_for("customer_groups.group_search_view"))
        found = None
        if form.add.data:
            outcome = run_service(form, lambda: service.add(
                db.session, self.actor, form.lines.data, form.group_ids.data,
                update_existing=bool(form.update_existing.data)))
            if outcome.saved:
                added = outcome.value
                self._flash_added(added)
                if not added.not_added:
                    return redirect(url_for("customers.index_view"))
                # what is left to fix and paste again, shown as a preview of those lines
                form.lines.data = "\n".join(line.text for line in added.not_added)
                found = run_service(form, lambda: service.preview(
                    db.session, self.actor, form.lines.data, form.group_ids.data), validate=False).value
        elif form.preview.data:
            found = run_service(form, lambda: service.preview(
                db.session, self.actor, form.lines.data, form.group_ids.data)).value
        status = 400 if form.errors else 200
        return self.render("admin/customer_paste.html", form=form, found=found), status

    def _flash_added(self, added: service.Added) -> None:
        if added.created:
            flash(ngettext("%(num)d customer was added.", "%(num)d customers were added.", len(added.created)),
                  "success")
        if added.updated:
            flash(ngettext("%(num)d customer was updated.", "%(num)d customers were updated.", len(added.updated)),
                  "success")
        if added.not_added:
            flash(ngettext("%(num)d line was not added: fix it below and add it again.",
                           "%(num)d lines were not added: fix them below and add them again.",
                           len(added.not_added)), "warning")
        if not (added.created or added.updated or added.not_added):
            flash(_("Nothing was added."), "info")
