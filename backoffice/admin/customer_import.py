"""IMPORT CUSTOMERS (seed 001's "Upload registers"): upload a CSV or XLSX file, map the columns the register
doesn't know, see the dry run, then import (services/import_jobs.py and services/customer_import.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import ngettext
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
from backoffice.infra import queue
from backoffice.services import customer_import, import_jobs
from backoffice import tasks

log = logging.getLogger("backoffice.tasks")


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
    endpoint_permissions = {"index": "customers.upload", "job": "customers.upload", "status": "customers.upload"}
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
                max_bytes=current_app.config["IMPORT_MAX_BYTES"]))
            if outcome.saved:
                return self._queued(outcome.value)
        status = 400 if form.errors else 200
        return self.render("admin/customer_import.html", form=form,
                           recent=import_jobs.recent(db.session, self.actor)), status

    @expose("/<int:job_id>/", methods=("GET", "POST"))
    @accepts()
    def job(self, job_id: int):
        job = import_jobs.get(db.session, self.actor, job_id)
        if job is None:
            abort(404)
        progress = self._progress(job)
        found = import_jobs.report_of(job)
        report, counts = found if found else (None, {})
        mapping = mapping_form(db.session, report.unknown) if report is not None and report.unknown else None
        form = ImportForm()
        outcome = None
        if mapping is not None and mapping.check.data:
            chosen = {header: mapping[f"column_{i}"].data or "" for i, header in enumerate(report.unknown)}
            outcome = run_service(mapping, lambda: import_jobs.remap(db.session, self.actor, job, chosen))
            if outcome.saved:
                return self._queued(job)
        elif mapping is None and form.run_import.data:
            outcome = run_service(form, lambda: import_jobs.enqueue(
                db.session, self.actor, job, valid_only=bool(form.valid_only.data),
                create_missing=bool(form.create_missing.data)))
            if outcome.saved:
                return self._queued(job)
        refused = outcome is not None and outcome.error is not None
        status = 400 if (refused or form.errors or (mapping is not None and mapping.errors)) else 200
        return self.render("admin/customer_import_job.html", job=job, report=report, counts=counts,
                           mapping=mapping, form=form, may_audit=can(current_user, "audit.view"),
                           progress=self._status(job, progress)), status

    @expose("/<int:job_id>/status")
    @accepts()
    def status(self, job_id: int):
        """Where the job stands, as JSON, for the job page's progress bar (static/js/import_job.js)."""
        job = import_jobs.get(db.session, self.actor, job_id)
        if job is None:
            abort(404)
        return jsonify(self._status(job, self._progress(job)))

    def _queued(self, job):
        """The job was committed as "checking" or "queued": its task goes in the queue, and the job's page shows
        where it stands."""
        if job.state in import_jobs.ACTIVE:
            try:
                tasks.enqueue(job, self.actor, self._zone())
                db.session.expire(job)  # a worker changes it from now on (at once, in the tests' immediate mode)
            except Exception:  # the queue (Redis) can't be reached: the job is not left waiting for nothing
                log.exception("import job %s could not be queued", job.id)
                run_service(None, lambda: import_jobs.unqueue(
                    db.session, job, _("The import could not be started: the background queue did not answer. "
                                       "Try again in a moment.")), validate=False)
        return redirect(url_for(".job", job_id=job.id))

    def _progress(self, job) -> queue.Progress:
        """The job's progress and heartbeat from the queue's storage; a running job whose heartbeat stopped is
        marked failed first (its worker is gone: nothing was stored)."""
        if job.state not in import_jobs.ACTIVE:
            return queue.Progress()
        try:
            progress = queue.read_progress(tasks.of().huey, job.id)
        except Exception:
            log.exception("import job %s: could not read its progress", job.id)
            return queue.Progress()
        beat = datetime.fromtimestamp(progress.beat, UTC) if progress.beat is not None else None
        timeout = current_app.config["IMPORT_HEARTBEAT_TIMEOUT"]
        if import_jobs.heartbeat_stopped(job, beat, datetime.now(UTC), timeout):
            run_service(None, lambda: import_jobs.fail_if_stopped(db.session, job, beat, timeout), validate=False)
        return progress

    def _status(self, job, progress: queue.Progress) -> dict:
        counts = job.counts or {}
        done, total = progress.done, progress.total
        if job.state in import_jobs.ACTIVE and not import_jobs.taken(job):
            label = (_("Waiting for a worker to check the file") if job.state == "checking"
                     else _("Waiting for a worker to start the import"))
        elif job.state == "checking" and total:
            label = ngettext("Checked %(done)s of %(total)s row", "Checked %(done)s of %(total)s rows", total,
                             done=format_number(done), total=format_number(total))
        elif job.state == "running" and total:
            label = ngettext("%(done)s of %(total)s row", "%(done)s of %(total)s rows", total,
                             done=format_number(done), total=format_number(total))
        elif job.state in import_jobs.ACTIVE:
            label = _("Reading the file")
        else:
            label = ""
        waiting = import_jobs.waiting_for_worker(job, datetime.now(UTC), current_app.config["IMPORT_HEARTBEAT_TIMEOUT"])
        return {"state": job.state, "done": done, "total": total, "counts": counts, "label": label,
                "percent": int(100 * done / total) if total else 0, "waiting": waiting, "error": job.error}
