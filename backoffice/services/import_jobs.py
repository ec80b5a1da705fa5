"""Import jobs (issue 13): an uploaded register file kept in the database (models/import_job.py), checked
by a dry run, then imported with the choices the user made (services/customer_import.py does the work).

``upload`` stores the file once its header row has been read, and ``remap`` takes the column mapping for the
headers the register didn't know; both leave the job "checking" for the dry run, which a background task of
backoffice/tasks.py runs (``start``, then ``check``), unless headers are still to be mapped (the job is then
"checked" at once, with the mapping step as its report). ``enqueue`` records the user's Import with its
choices ("queued", for the import task); ``start`` marks it "running" when a worker takes it; ``execute``
imports. Each keeps a summary of the report on the job (``report_of`` reads it back): the counts, the headers to
map, the groups to create, every rejected row (at most MAX_KEPT) and the first rows of the others, so the page
shows what the run found without reading the file again. ``fail`` ends a job that raised or whose worker stopped
answering (``heartbeat_stopped``): a dry run stores nothing and the import is one transaction, so nothing of it
was stored.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from backoffice.models import ImportJob, User
from backoffice.models.base import utcnow
from backoffice.services import customer_import
from backoffice.services.customer_import import REJECTED, Problem, Report, RowResult
from backoffice.services.errors import ServiceError

MAX_KEPT = 1000  # rejected rows kept on the job
SAMPLE = 100  # rows of each other kind kept
ACTIVE = ("checking", "queued", "running")  # states of a job the queue has
STOPPED = _l("The import stopped: its worker stopped answering. Nothing was stored.")
CHECK_STOPPED = _l("The check of the file stopped: its worker stopped answering. Upload the file again.")


def _summary(report: Report) -> dict:
    kept, seen = [], {}
    for row in report.rows:
        if row.action == REJECTED:
            if seen.get(REJECTED, 0) < MAX_KEPT:
                kept.append(asdict(row))
        elif seen.get(row.action, 0) < SAMPLE:
            kept.append(asdict(row))
        seen[row.action] = seen.get(row.action, 0) + 1
    return {"rows": kept, "counts": report.counts, "unknown": report.unknown, "missing": report.missing,
            "dry_run": report.dry_run, "stored": report.stored}


def report_of(job: ImportJob) -> tuple[Report, dict] | None:
    """The job's last report (its rows as kept) and its counts of every row."""
    if not job.report:
        return None
    data = job.report
    rows = [RowResult(line=r["line"], action=r["action"], name=r["name"], customer_id=r["customer_id"],
                      problems=[Problem(**p) for p in r["problems"]]) for r in data["rows"]]
    return Report(rows=rows, unknown=data["unknown"], missing=data["missing"], dry_run=data["dry_run"],
                  stored=data["stored"]), data["counts"]


def get(session, actor: User | None, job_id) -> ImportJob | None:
    """The actor's own job (another user's is not found)."""
    job = session.get(ImportJob, job_id) if isinstance(job_id, int) else None
    if job is None or (actor is not None and job.created_by_id != actor.id):
        return None
    return job


def upload(session, actor: User | None, data: bytes | None, filename: str | None, *, max_bytes: int) -> ImportJob:
    """Keep the file for its dry run; a file that can't be read, or whose header row has none of the register's
    columns, is refused (and not kept)."""
    customer_import.check_may(actor)
    if not data:
        raise ServiceError(_l("Choose a CSV or XLSX file."), "file")
    if len(data) > max_bytes:
        raise ServiceError(_l("The file is larger than %(n)s MB, the most an import takes.",
                              n=format(max_bytes // (1024 * 1024), ",")), "file")
    _table, columns = customer_import.read_columns(session, actor, data, filename)
    job = ImportJob(created_by_id=actor.id if actor is not None else None, filename=(filename or "")[:255],
                    size=len(data), data=data, options={"mapping": {}})
    session.add(job)
    _to_check(job, columns)
    session.flush()
    return job


def remap(session, actor: User | None, job: ImportJob, mapping: dict) -> ImportJob:
    """The user chose a column for headers the register didn't know: the file is checked again with them."""
    _refuse_unless_checked(job)
    mapping = {**(job.options or {}).get("mapping", {}), **mapping}
    _table, columns = customer_import.read_columns(session, actor, job.data, job.filename, mapping)
    job.options = {**(job.options or {}), "mapping": mapping}
    _to_check(job, columns)
    session.flush()
    return job


def _to_check(job: ImportJob, columns) -> None:
    """ "checking" (the caller commits, then puts the dry run in the queue), or "checked" at once with the mapping
    step when headers are still unknown."""
    job.error, job.started_at = None, None
    if columns.unknown:
        report = Report(unknown=columns.unknown, dry_run=True)
        job.state, job.queued_at, job.report, job.counts = "checked", None, _summary(report), report.counts
    else:
        job.state, job.queued_at = "checking", utcnow()


def check(session, actor: User | None, job: ImportJob, *, timezone: str = "Europe/Stockholm",
          progress=None) -> Report:
    """The dry run with the job's column mapping (in a worker, after ``start``; or at once, on a job that is
    "checked"); kept on the job, which is "checked" after it."""
    if job.state not in ("checking", "checked"):
        _refuse_unless_checked(job)
    report = customer_import.run(session, actor, job.data, job.filename, mapping=(job.options or {}).get("mapping"),
                                 dry_run=True, timezone=timezone, progress=progress)
    job.report = _summary(report)
    job.counts = report.counts
    job.state, job.error = "checked", None
    session.flush()
    return report


def enqueue(session, actor: User | None, job: ImportJob, *, valid_only: bool = False,
            create_missing: bool = False) -> ImportJob:
    """The user pressed Import: the job is "queued" with the choices it runs with (the caller commits, then
    puts the task in the queue). Groups the dry run found missing must be chosen to be created first."""
    customer_import.check_may(actor)
    _refuse_unless_checked(job)
    missing = (job.report or {}).get("missing") or {}
    if any(missing.values()) and not create_missing:
        customer_import._refuse_missing({"groups": missing.get("groups", []),
                                         "location_groups": missing.get("location_groups", [])})
    job.options = {**(job.options or {}), "valid_only": bool(valid_only), "create_missing": bool(create_missing)}
    job.state, job.queued_at, job.started_at, job.error = "queued", utcnow(), None, None
    session.flush()
    return job


def unqueue(session, job: ImportJob, message) -> None:
    """The task could not be put in the queue: an import is "checked" again, with why; a dry run that never
    ran is "failed" (there is no report to go back to: the file is uploaded again)."""
    if job.state == "queued":
        job.state, job.queued_at, job.error = "checked", None, str(message)
    elif job.state == "checking":
        job.state, job.queued_at, job.error, job.finished_at = "failed", None, str(message), utcnow()
    session.flush()


def start(session, job: ImportJob) -> bool:
    """A worker took the job: a queued import is "running"; a dry run stays "checking", now with ``started_at``.
    False when it is not waiting for a worker (ended meanwhile, or taken twice)."""
    if job.state == "queued":
        job.state = "running"
    elif job.state != "checking" or job.started_at is not None:
        return False
    job.started_at = utcnow()
    session.flush()
    return True


def execute(session, actor: User | None, job: ImportJob, *, valid_only: bool = False, create_missing: bool = False,
            timezone: str = "Europe/Stockholm", progress=None) -> Report:
    """Import the file with the job's mapping. Nothing is stored when a row is rejected, unless
    ``valid_only``; the job is then "checked" again, with this run's report, to fix and try again."""
    _refuse_finished(job)
    options = {**(job.options or {}), "valid_only": bool(valid_only), "create_missing": bool(create_missing)}
    report = customer_import.run(session, actor, job.data, job.filename, mapping=options.get("mapping"),
                                 dry_run=False, valid_only=valid_only, create_missing=create_missing,
                                 timezone=timezone, progress=progress)
    job.options = options
    job.report = _summary(report)
    job.counts = report.counts
    job.error = None
    if report.stored:
        job.state, job.finished_at = "done", utcnow()
    else:
        job.state = "checked"
    session.flush()
    return report


def refuse(session, job_id: int, message) -> bool:
    """The import was refused by a rule (a ServiceError: groups deleted since the dry run, a permission taken
    away): nothing was stored, the job is "checked" again with the reason, to fix and try again."""
    return _end(session, job_id, "checked", str(message))


def fail(session, job_id: int, message) -> bool:
    """The job raised or its worker stopped answering: "failed" with ``message`` (nothing was stored: a dry run
    stores nothing, the import is one transaction). Only a queued or running job is changed (a job that got done meanwhile stays done)."""
    return _end(session, job_id, "failed", str(message), finished=True)


def _end(session, job_id: int, state: str, message: str, *, finished: bool = False) -> bool:
    values = {"state": state, "error": message[:2000]}
    if finished:
        values["finished_at"] = utcnow()
    result = session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.state.in_(ACTIVE))
                             .values(**values).execution_options(synchronize_session=False))
    session.flush()
    job = session.get(ImportJob, job_id)
    if job is not None:
        session.refresh(job)
    return result.rowcount == 1


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives its stored times back naive (they are UTC)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def heartbeat_stopped(job: ImportJob, beat: datetime | None, now: datetime, timeout: float) -> bool:
    """A job a worker took (running, or checking since ``started_at``) whose last heartbeat (else its start) is
    older than ``timeout`` seconds."""
    if not taken(job):
        return False
    seen = [t for t in (_aware(beat), _aware(job.started_at)) if t is not None]
    return not seen or now - max(seen) > timedelta(seconds=timeout)


def taken(job: ImportJob) -> bool:
    """A worker has taken the job and works on it (its heartbeat should beat)."""
    return job.state == "running" or (job.state == "checking" and job.started_at is not None)


def waiting_for_worker(job: ImportJob, now: datetime, timeout: float) -> bool:
    """A job in the queue that no worker has taken for longer than ``timeout`` seconds (it stays there: it runs
    when a worker starts)."""
    queued = _aware(job.queued_at)
    return (job.state in ACTIVE and not taken(job) and queued is not None
            and now - queued > timedelta(seconds=timeout))


def fail_if_stopped(session, job: ImportJob, beat: datetime | None, timeout: float, now: datetime | None = None) -> bool:
    """Mark a job whose heartbeat stopped as failed (STOPPED, or CHECK_STOPPED for a dry run); True when it was."""
    if not heartbeat_stopped(job, beat, now or utcnow(), timeout):
        return False
    return fail(session, job.id, CHECK_STOPPED if job.state == "checking" else STOPPED)


def _refuse_unless_checked(job: ImportJob) -> None:
    if job.state == "checking":
        raise ServiceError(_l("The file is still being checked. Wait for the dry run to end."))
    if job.state in ACTIVE:
        raise ServiceError(_l("This file is being imported already."))
    if job.state != "checked":
        raise ServiceError(_l("This file has been imported already. Upload it again to import it once more."))


def _refuse_finished(job: ImportJob) -> None:
    if job.state not in ("checked", "queued", "running"):
        raise ServiceError(_l("This file has been imported already. Upload it again to import it once more."))


def recent(session, actor: User | None, limit: int = 10) -> list[ImportJob]:
    query = select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(ImportJob.created_by_id == actor.id)
    return list(session.scalars(query))
