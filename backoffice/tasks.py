"""Background tasks on the app's huey queue (issue 13; the queue itself: backoffice/infra/queue.py).

``init_app`` builds the app's huey and registers its tasks on it (each app has its own instance, so the tasks
close over their app and run in its context, with a session of their own):

* ``check_register(job_id, user_id, timezone)``: the dry run of a file a user uploaded (or mapped the columns
  of) on the import page, which commits the job as "checking" and enqueues it. The worker records that it took
  it (``started_at``), runs services/import_jobs.check, which keeps the report and makes the job "checked",
  and commits. A dry run writes nothing that stays; one that raises, or is refused, is "failed" with why.
* ``import_register(job_id, user_id, timezone)``: the register import a user started with Import on the job
  page (admin/customer_import.py enqueues it after committing the job as "queued"). It marks the job
  "running", imports (services/import_jobs.execute) in one transaction and commits. It is never retried: a
  task that raises is rolled back — nothing of the import is stored — and its job is "failed" with a short
  message (the traceback goes to the log). Progress and a heartbeat go to the queue's key-value storage, not
  to the database (``JobProgress``). Both tasks run in ``run_job``.
* ``deliver_outbox()``: every minute (a periodic task: the consumer's scheduler enqueues it), the same
  delivery run as ``flask send-mail`` (infra/mail.send_outbox). With several workers each run claims its
  messages (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so none is sent twice.

Consumers: ``flask --app app worker`` (a process, any number), or ``flask --app app run-with-worker`` (the dev
server with a worker thread beside it: ``make run``). See cli.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from huey import crontab

from backoffice.extensions import db
from backoffice.infra import mail as mail_service
from backoffice.infra import queue
from backoffice.models import ImportJob, User
from backoffice.services import import_jobs
from backoffice.services.errors import ServiceError

log = logging.getLogger("backoffice.tasks")



@dataclass
class Tasks:
    huey: object
    import_register: object
    check_register: object
    deliver_outbox: object


def init_app(app: Flask) -> Tasks:
    huey = queue.make_huey(app.config)

    @huey.task(retries=0, name="import_register")
    def import_register(job_id: int, user_id: int | None, timezone: str = "Europe/Stockholm"):
        run_import(app, job_id, user_id, timezone)

    @huey.task(retries=0, name="check_register")
    def check_register(job_id: int, user_id: int | None, timezone: str = "Europe/Stockholm"):
        run_check(app, job_id, user_id, timezone)

    @huey.periodic_task(crontab(minute="*"), retries=0, name="deliver_outbox")
    def deliver_outbox():
        return send_outbox(app)

    tasks = Tasks(huey=huey, import_register=import_register, check_register=check_register,
                  deliver_outbox=deliver_outbox)
    app.extensions["backoffice.tasks"] = tasks
    return tasks


def of(app: Flask | None = None) -> Tasks:
    return (app or current_app).extensions["backoffice.tasks"]


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def run_import(app: Flask, job_id: int, user_id: int | None, timezone: str) -> None:
    """The import task's body (see the module's docstring)."""

    def work(session, actor, job, progress):
        options = job.options or {}
        try:
            import_jobs.execute(session, actor, job, valid_only=bool(options.get("valid_only")),
                                create_missing=bool(options.get("create_missing")), timezone=timezone,
                                progress=progress)
            session.commit()
        except ServiceError as refused:  # a rule refused it: fix and import again
            session.rollback()
            import_jobs.refuse(session, job_id, refused.message)
            session.commit()

    run_job(app, job_id, user_id, work, _l("The import stopped with an error, and nothing was stored: %(error)s"))


def run_check(app: Flask, job_id: int, user_id: int | None, timezone: str) -> None:
    """The dry run task's body (see the module's docstring). A refusal (the user lost the permission since the
    upload, say) fails it like an error, with the refusal's own message."""

    def work(session, actor, job, progress):
        try:
            import_jobs.check(session, actor, job, timezone=timezone, progress=progress)
            session.commit()
        except ServiceError as refused:
            session.rollback()
            import_jobs.fail(session, job_id, refused.message)
            session.commit()

    run_job(app, job_id, user_id, work, _l("The check of the file stopped with an error: %(error)s"))


def run_job(app: Flask, job_id: int, user_id: int | None, work, failed) -> None:
    """A job's task, in an app context and a session of its own: take the job (import_jobs.start, committed),
    then ``work(session, actor, job, progress)`` with a heartbeat beating and in the language of the user who
    started it (the report's messages are written now). An exception rolls back whatever ``work`` wrote and
    marks the job failed with ``failed`` (its ``%(error)s``: the exception, shortened; the traceback is logged).
    """
    huey = of(app).huey
    with app.app_context():
        session = db.session
        progress = queue.JobProgress(huey, job_id)
        try:
            job = session.get(ImportJob, job_id)
            actor = session.get(User, user_id) if user_id is not None else None
            if job is None or (user_id is not None and actor is None):
                log.warning("import job %s: the job or its user is gone; nothing to do", job_id)
                return
            with progress:  # (the heartbeat beats from here on)
                if not import_jobs.start(session, job):
                    session.rollback()
                    log.warning("import job %s is %s, not waiting for a worker: not run", job_id, job.state)
                    return
                session.commit()
                with force_locale((actor.language if actor is not None else None) or "en"):
                    work(session, actor, job, progress)
        except Exception as error:
            log.exception("import job %s failed", job_id)
            session.rollback()
            try:
                with force_locale(_language_of(session, user_id)):
                    import_jobs.fail(session, job_id, failed % {"error": _short(error)})
                session.commit()
            except Exception:
                session.rollback()
                log.exception("import job %s: could not record its failure", job_id)
        finally:
            progress.clear()
            db.session.remove()


def _language_of(session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return (user.language if user is not None else None) or "en"


def send_outbox(app: Flask) -> mail_service.OutboxRun:
    """The periodic task's body: one delivery run of the outbox, as `flask send-mail` does."""
    with app.app_context():
        try:
            # (without MAIL_SERVER the messages are printed, as `flask send-mail` prints them)
            run = mail_service.send_outbox(db.session, mail_service.MailSettings.from_config(app.config))
            if run.unreachable:
                log.warning("outbox: could not reach the mail server: %s", run.unreachable)
            elif run.tried:
                log.info("outbox: %s sent, %s failed", run.sent, run.failed)
            return run
        finally:
            db.session.remove()


def enqueue(job: ImportJob, actor: User | None, timezone: str) -> None:
    """Put the task of a job the caller committed as "checking" (the dry run) or "queued" (the import) in the
    queue (raises when the queue can't be reached)."""
    task = of().check_register if job.state == "checking" else of().import_register
    task(job.id, actor.id if actor is not None else None, timezone)
