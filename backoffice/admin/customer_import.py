"""IMPORT CUSTOMERS (seed 001's "Upload registers"): upload a CSV or XLSX file, map the columns the register
doesn't know, see the dry run, then import (services/import_jobs.py and services/customer_import.py)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SubmitField

from backoffice.admin.base import SecureBaseView
from backoffice.extensions import db
from backoffice.forms import Form
from backoffice.models.roles import can
from backoffice.parsers import accepts
from backoffice.saving import run_service
from backoffice.services import customer_import, import_jobs


class UploadForm(Form):
    file = FileField(_l("Register file"), description=_l(
        "CSV or XLSX, with a header row. The columns of the customers' CSV download are read in any of our "
        "languages; other columns are asked about."), render_kw={"accept": ".csv,.txt,.xlsx"})
    check = SubmitField(_l("Check the file"))


class ImportForm(Form):
    valid_only = BooleanField(_l("Import only the valid rows"),
                              description=_l("The rejected rows are left out. Otherwise nothing is imported "
                                             "while any row is rejected."))
    create_missing = BooleanField(_l("Create the groups listed above"))
    run_import = SubmitField(_l("Import"))


def mapping_form(session, headers: list[str]):
    """A select per unknown header: a column of the register, or "Leave out"."""
    choices = [("", _("Leave this column out"))] + customer_import.choices(session)

    class MappingForm(Form):
        check = SubmitField(_l("Check again"))

    for index, _header in enumerate(headers):
        setattr(MappingForm, f"column_{index}", SelectField(_header, choices=choices, default=""))
    return MappingForm()


class CustomerImportView(SecureBaseView):
    endpoint_permissions = {"index": "customers.upload", "job": "customers.upload"}
    visible = True

    def is_accessible(self) -> bool:
        return super().is_accessible() and can(current_user, "customers.upload")

    def _zone(self) -> str:
        return getattr(self.actor, "timezone", None) or "Europe/Stockholm"

    @expose("/", methods=("GET", "POST"))
    @accepts()
    def index(self):
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
        form = UploadForm()
        if form.check.data:
            upload = form.file.data
            data = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1) if getattr(upload, "filename", "") else b""
            outcome = run_service(form, lambda: import_jobs.upload(
                db.session, self.actor, data, upload.filename if data else None,
                max_bytes=current_app.config["IMPORT_MAX_BYTES"], timezone=self._zone()))
            if outcome.saved:
                return redirect(url_for(".job", job_id=outcome.value.id))
        status = 400 if form.errors else 200
        return self.render("admin/customer_import.html", form=form,
                           recent=import_jobs.recent(db.session, self.actor)), status

    @expose("/<int:job_id>/", methods=("GET", "POST"))
    @accepts()
    def job(self, job_id: int):
        job = import_jobs.get(db.session, self.actor, job_id)
        if job is None:
            abort(404)
        found = import_jobs.report_of(job)
        report, counts = found if found else (None, {})
        mapping = mapping_form(db.session, report.unknown) if report is not None and report.unknown else None
        form = ImportForm()
        if mapping is not None and mapping.check.data:
            chosen = {header: mapping[f"column_{i}"].data or "" for i, header in enumerate(report.unknown)}
            outcome = run_service(mapping, lambda: import_jobs.check(db.session, self.actor, job, chosen,
                                                                     timezone=self._zone()))
            if outcome.saved:
                return redirect(url_for(".job", job_id=job.id))
        elif mapping is None and form.run_import.data:
            outcome = run_service(form, lambda: import_jobs.execute(
                db.session, self.actor, job, valid_only=bool(form.valid_only.data),
                create_missing=bool(form.create_missing.data), timezone=self._zone()))
            if outcome.saved:
                self._flash_result(outcome.value)
                return redirect(url_for(".job", job_id=job.id))
        status = 400 if (form.errors or (mapping is not None and mapping.errors)) else 200
        return self.render("admin/customer_import_job.html", job=job, report=report, counts=counts,
                           mapping=mapping, form=form, may_audit=can(current_user, "audit.view")), status

    def _flash_result(self, report) -> None:
        counts = report.counts
        if report.stored:
            flash(_("Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged, %(rejected)d rejected.",
                    new=counts["create"], updated=counts["update"], unchanged=counts["unchanged"],
                    rejected=counts["rejected"]), "success")
        else:
            flash(_("Nothing was imported: %(n)d rows were rejected. Fix the file and upload it again, or choose "
                    "to import only the valid rows.", n=counts["rejected"]), "error")
