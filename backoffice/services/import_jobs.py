"""Import jobs (issue 13): an uploaded register file kept in the database (models/import_job.py), checked
by a dry run, then imported with the choices the user made (services/customer_import.py does the work).

``upload`` stores the file and checks it; ``check`` runs the dry run again (after the column mapping);
``execute`` imports. Each keeps a summary of the report on the job (``report_of`` reads it back): the counts,
the headers to map, the groups to create, every rejected row (at most MAX_KEPT) and the first rows of the
others, so the page shows what the run found without reading the file again.
"""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backoffice.models import ImportJob, User
from backoffice.models.base import utcnow
from backoffice.services import customer_import
from backoffice.services.customer_import import REJECTED, Problem, Report, RowResult
from backoffice.services.errors import ServiceError

MAX_KEPT = 1000  # rejected rows kept on the job
SAMPLE = 100  # rows of each other kind kept


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


def upload(session, actor: User | None, data: bytes | None, filename: str | None, *, max_bytes: int,
           timezone: str = "Europe/Stockholm") -> ImportJob:
    """Keep the file and dry-run it; a file that can't be read is refused (and not kept)."""
    customer_import.check_may(actor)
    if not data:
        raise ServiceError(_l("Choose a CSV or XLSX file."), "file")
    if len(data) > max_bytes:
        raise ServiceError(_l("The file is larger than %(n)s MB, the most an import takes.",
                              n=format(max_bytes // (1024 * 1024), ",")), "file")
    customer_import.read_table(data, filename)  # refuses what can't be read before anything is kept
    job = ImportJob(created_by_id=actor.id if actor is not None else None, filename=(filename or "")[:255],
                    size=len(data), data=data, state="checked", options={})
    session.add(job)
    session.flush()
    check(session, actor, job, timezone=timezone)
    return job


def check(session, actor: User | None, job: ImportJob, mapping: dict | None = None, *,
          timezone: str = "Europe/Stockholm") -> Report:
    """The dry run (with ``mapping`` for the headers it didn't know); kept on the job."""
    _refuse_finished(job)
    mapping = {**(job.options or {}).get("mapping", {}), **(mapping or {})}
    report = customer_import.run(session, actor, job.data, job.filename, mapping=mapping, dry_run=True,
                                 timezone=timezone)
    job.options = {**(job.options or {}), "mapping": mapping}
    job.report = _summary(report)
    job.counts = report.counts
    session.flush()
    return report


def execute(session, actor: User | None, job: ImportJob, *, valid_only: bool = False, create_missing: bool = False,
            timezone: str = "Europe/Stockholm", progress=None) -> Report:
    """Import the file with the job's mapping. Nothing is stored when a row is rejected, unless
    ``valid_only``; the job is then still "checked", with this run's report, to fix and try again."""
    _refuse_finished(job)
    options = {**(job.options or {}), "valid_only": bool(valid_only), "create_missing": bool(create_missing)}
    report = customer_import.run(session, actor, job.data, job.filename, mapping=options.get("mapping"),
                                 dry_run=False, valid_only=valid_only, create_missing=create_missing,
                                 timezone=timezone, progress=progress)
    job.options = options
    job.report = _summary(report)
    job.counts = report.counts
    if report.stored:
        job.state, job.finished_at = "done", utcnow()
    session.flush()
    return report


def _refuse_finished(job: ImportJob) -> None:
    if job.state != "checked":
        raise ServiceError(_l("This file has been imported already. Upload it again to import it once more."))


def recent(session, actor: User | None, limit: int = 10) -> list[ImportJob]:
    query = select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(ImportJob.created_by_id == actor.id)
    return list(session.scalars(query))
