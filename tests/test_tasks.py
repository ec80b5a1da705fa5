"""Background jobs on huey (issue 13): the register import as a queued task with progress and a heartbeat, the
status the job page polls, a job whose worker stops or whose task raises, and the outbox as a periodic task."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import func, select

from backoffice import config as config_module
from backoffice import tasks
from backoffice.extensions import db
from backoffice.infra import queue
from backoffice.models import Customer, HistoryEntry, ImportJob, OutboxMessage
from backoffice.models.base import utcnow
from backoffice.services import customer_import
from backoffice.services.errors import ServiceError
from backoffice.services.mail import queue_mail
from tests.conftest import login
from tests.queue_helpers import consumer, real_queue
from tests.test_customer_import import BAD_ROWS, csv_bytes

PAGE = "/admin/customers/upload/"
ROOT = Path(__file__).resolve().parent.parent
GOOD_ROWS = (["E-mail", "First name", "Last name"],
             ["anna.kö@example.com", "Anna", "Kö"],
             ["bo.kö@example.com", "Bo", "Kö"],
             ["cia.kö@example.com", "Cia", "Kö"])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def page_of(client, location: str) -> str:
    db.session.expire_all()  # (see status)
    return text_of(client.get(location))


def customers(session) -> int:
    return session.scalar(select(func.count()).select_from(Customer))


def upload(client, data: bytes, name="register.csv") -> str:
    response = client.post(PAGE, data={"file": (io.BytesIO(data), name), "check": "Check the file"},
                           content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)[:500]
    return response.headers["Location"]


def status(client, location: str) -> dict:
    # (the test client's requests share the test's session, so what a worker committed meanwhile is read afresh;
    # in production each request has a session of its own)
    db.session.expire_all()
    response = client.get(location + "status")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def job_of(session, location: str) -> ImportJob:
    session.expire_all()
    return session.get(ImportJob, int(location.rstrip("/").rsplit("/", 1)[1]))


@pytest.fixture
def editor(client, make_user):
    login(client, make_user(role="editor", email="ed@example.com"))
    return client


def _held(monkeypatch, dry_run: bool):
    """The import (or, with ``dry_run``, the dry run) stops after its first row until ``release`` is set
    (``reached`` says it got there); the other kind of run goes through."""
    reached, release = threading.Event(), threading.Event()
    real_run = customer_import.run
    monkeypatch.setattr(customer_import, "BATCH", 1)  # (progress is told after each batch: here each row)

    def run(*args, progress=None, **kwargs):
        def report(done, total):
            progress(done, total)
            if done == 1:
                reached.set()
                release.wait(60)

        held = kwargs.get("dry_run") == dry_run
        return real_run(*args, progress=progress and (report if held else progress), **kwargs)

    monkeypatch.setattr(customer_import, "run", run)
    yield reached, release
    release.set()


@pytest.fixture
def held_import(monkeypatch):
    yield from _held(monkeypatch, dry_run=False)


@pytest.fixture
def held_check(monkeypatch):
    yield from _held(monkeypatch, dry_run=True)


def wait_until_ended(client, location: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        now = status(client, location)
        if now["state"] not in ("checking", "queued", "running") or time.monotonic() > deadline:
            return now
        time.sleep(0.1)


# --- the import on a real queue ------------------------------------------------------------------------------
def test_a_consumer_thread_takes_the_import_from_queued_to_running_to_done(app, editor, session, held_import):
    reached, release = held_import
    location = upload(editor, csv_bytes(*GOOD_ROWS))
    with real_queue(app) as huey:
        response = editor.post(location, data={"run_import": "Import"})
        assert response.status_code == 302 and response.headers["Location"].endswith(location)
        # Queued: committed as such, the task waiting in the SQLite queue, nothing imported
        assert job_of(session, location).state == "queued" and huey.pending_count() == 1
        assert status(editor, location)["state"] == "queued"
        page = page_of(editor, location)
        assert 'role="progressbar"' in page and "Waiting for a worker to start the import" in page
        assert "Check the file" not in page and 'name="run_import"' not in page
        assert customers(session) == 0

        with consumer(huey):
            try:
                assert reached.wait(60), "the worker never reached the first row"
                running = status(editor, location)
                assert (running["state"], running["done"], running["total"]) == ("running", 1, 3)
                assert running["label"] == "1 of 3 rows"
                page = page_of(editor, location)
                assert 'aria-valuenow="1"' in page and 'aria-valuemax="3"' in page and "1 of 3 rows" in page
                assert "Waiting for a worker" not in page
            finally:
                release.set()
            done = wait_until_ended(editor, location)
        assert done["state"] == "done"
        assert done["counts"] == {"create": 3, "update": 0, "unchanged": 0, "rejected": 0}
        assert huey.pending_count() == 0 and huey.scheduled_count() == 0  # ran once, nothing left or retried
        assert queue.read_progress(huey, job_of(session, location).id).beat is None  # (cleared after)
    assert customers(session) == 3
    page = page_of(editor, location)
    assert "Imported: 3 new, 0 updated, 0 unchanged, 0 rejected." in page and 'role="progressbar"' not in page


def test_the_dry_run_is_a_queued_task_from_checking_to_checked(app, editor, session, held_check):
    reached, release = held_check
    with real_queue(app) as huey:
        location = upload(editor, csv_bytes(*GOOD_ROWS))
        # the file is kept, the dry run waits in the queue; nothing can be imported yet
        job = job_of(session, location)
        assert (job.state, job.started_at, job.report) == ("checking", None, None) and huey.pending_count() == 1
        now = status(editor, location)
        assert (now["state"], now["label"]) == ("checking", "Waiting for a worker to check the file")
        page = page_of(editor, location)
        assert "Checking the file" in page and 'role="progressbar"' in page
        assert "nothing is imported until you have seen what it finds" in page and 'name="run_import"' not in page
        refused = editor.post(location, data={"run_import": "Import"})
        assert refused.status_code == 400 and "The file is still being checked." in text_of(refused)
        assert job_of(session, location).state == "checking" and huey.pending_count() == 1

        with consumer(huey):
            try:
                assert reached.wait(60), "the worker never reached the first row of the dry run"
                running = status(editor, location)
                assert (running["state"], running["done"], running["total"]) == ("checking", 1, 3)
                assert running["label"] == "Checked 1 of 3 rows"
                assert job_of(session, location).started_at is not None
            finally:
                release.set()
            checked = wait_until_ended(editor, location)
        assert checked["state"] == "checked"
        assert checked["counts"] == {"create": 3, "update": 0, "unchanged": 0, "rejected": 0}
        assert huey.pending_count() == 0
    assert customers(session) == 0  # a dry run
    page = page_of(editor, location)
    assert "Dry run: nothing has been imported yet" in page and "3 new customers" in page
    assert 'name="run_import"' in page and 'role="progressbar"' not in page


def test_headers_to_map_are_asked_at_once_and_the_mapped_file_is_checked_in_the_queue(app, editor, session):
    with real_queue(app) as huey:
        location = upload(editor, csv_bytes(["Mail", "Given", "Family"], ["m@example.com", "Mia", "Ek"]))
        assert job_of(session, location).state == "checked" and huey.pending_count() == 0
        assert "Which columns are these?" in page_of(editor, location)
        editor.post(location, data={"column_0": "email", "column_1": "first_name", "column_2": "last_name",
                                    "check": "Check again"})
        job = job_of(session, location)
        assert job.state == "checking" and huey.pending_count() == 1
        assert job.options["mapping"] == {"Mail": "email", "Given": "first_name", "Family": "last_name"}
        with consumer(huey):
            assert wait_until_ended(editor, location)["counts"]["create"] == 1
    assert job_of(session, location).state == "checked" and "Which columns are these?" not in page_of(editor, location)


def test_a_dry_run_that_raises_fails_the_job_with_its_error(app, editor, session, monkeypatch, caplog):
    def run(*args, **kwargs):
        raise RuntimeError("the file server went away")

    monkeypatch.setattr(customer_import, "run", run)
    with caplog.at_level(logging.ERROR, logger="backoffice.tasks"):
        location = upload(editor, csv_bytes(*GOOD_ROWS))
    job = job_of(session, location)
    assert job.state == "failed" and job.error == "The check of the file stopped with an error: the file server went away"
    page = page_of(editor, location)
    assert "the file server went away" in page and "Upload the file again" in page and 'name="run_import"' not in page


def test_a_dry_run_the_queue_cannot_take_fails_at_once_with_why(app, editor, session, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "enqueue", unreachable)
    location = upload(editor, csv_bytes(*GOOD_ROWS))
    job = job_of(session, location)
    assert job.state == "failed" and "the background queue did not answer" in job.error
    assert "the background queue did not answer" in page_of(editor, location)


def test_a_dry_run_whose_heartbeat_stopped_is_shown_failed(app, editor, session):
    with real_queue(app):
        location = upload(editor, csv_bytes(*GOOD_ROWS))
    job = job_of(session, location)
    job.started_at = utcnow() - timedelta(minutes=10)  # a worker took it, then went silent
    session.commit()
    now = status(editor, location)
    assert now["state"] == "failed"
    assert now["error"] == "The check of the file stopped: its worker stopped answering. Upload the file again."


def test_a_dry_run_nobody_takes_waits_for_a_worker(app, editor, session):
    with real_queue(app):
        location = upload(editor, csv_bytes(*GOOD_ROWS))
    job = job_of(session, location)
    job.queued_at = utcnow() - timedelta(hours=1)
    session.commit()
    now = status(editor, location)
    assert now["state"] == "checking" and now["waiting"] is True
    page = editor.get(location).get_data(as_text=True)
    assert re.search(r'<p class="alert alert-warning bo-import-waiting">\s*No worker has started checking', page)


def test_with_rejected_rows_the_job_is_checked_again_with_that_report(app, editor, session):
    location = upload(editor, csv_bytes(*BAD_ROWS))
    with real_queue(app) as huey:
        editor.post(location, data={"run_import": "Import"})
        with consumer(huey):
            ended = wait_until_ended(editor, location)
    assert ended["state"] == "checked" and customers(session) == 0
    page = page_of(editor, location)
    assert "Nothing was imported: 2 rows were rejected." in page and 'name="run_import"' in page
    # fixed by choosing the valid rows: imported (immediate mode from here)
    editor.post(location, data={"run_import": "Import", "valid_only": "y"})
    assert job_of(session, location).state == "done" and customers(session) == 1


# --- a task that raises, a refusal, a worker that stops -----------------------------------------------------
def test_a_task_that_raises_fails_the_job_with_its_error_and_stores_nothing(app, editor, session, monkeypatch,
                                                                             caplog):
    real_run = customer_import.run

    def run(*args, progress=None, **kwargs):
        def report(done, total):
            if done == 2:  # the first row is written (in the transaction) by now
                raise RuntimeError("the disk is on fire")
            progress(done, total)

        return real_run(*args, progress=progress and report, **kwargs)

    location = upload(editor, csv_bytes(*GOOD_ROWS))
    monkeypatch.setattr(customer_import, "run", run)
    monkeypatch.setattr(customer_import, "BATCH", 1)  # (progress is told after each batch: here each row)
    with caplog.at_level(logging.ERROR, logger="backoffice.tasks"):
        editor.post(location, data={"run_import": "Import"})
    job = job_of(session, location)
    assert job.state == "failed" and job.finished_at is not None
    assert job.error == "The import stopped with an error, and nothing was stored: the disk is on fire"
    assert any("RuntimeError: the disk is on fire" in (r.exc_text or "") for r in caplog.records)  # traceback logged
    assert customers(session) == 0
    assert session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.kind == "import")) == 0
    page = page_of(editor, location)
    assert "Not imported" in page and "the disk is on fire" in page and 'name="run_import"' not in page
    assert status(editor, location)["state"] == "failed"


def test_a_rule_that_refuses_the_import_leaves_it_to_fix_and_retry(app, editor, session, monkeypatch):
    location = upload(editor, csv_bytes(*GOOD_ROWS))

    def refused(*args, **kwargs):
        raise ServiceError("The file names customer groups: Gone, which don't exist yet.")

    monkeypatch.setattr(customer_import, "run", refused)
    editor.post(location, data={"run_import": "Import"})
    job = job_of(session, location)
    assert job.state == "checked" and customers(session) == 0
    page = page_of(editor, location)
    assert "which don&#39;t exist yet." in page and 'name="run_import"' in page
    monkeypatch.undo()
    editor.post(location, data={"run_import": "Import"})
    assert job_of(session, location).state == "done" and customers(session) == 3
    assert "which don&#39;t exist yet." not in page_of(editor, location)


def test_groups_the_dry_run_found_missing_must_be_chosen_before_it_is_queued(app, editor, session):
    location = upload(editor, csv_bytes(["E-mail", "First name", "Last name", "Customer groups"],
                                        ["ny@example.com", "Ny", "Person", "Nya gruppen"]))
    refused = editor.post(location, data={"run_import": "Import"})
    assert refused.status_code == 400 and "Choose to create them" in text_of(refused)
    assert job_of(session, location).state == "checked"


def _running(session, location: str, started: datetime) -> ImportJob:
    job = job_of(session, location)
    job.state, job.queued_at, job.started_at = "running", started, started
    session.commit()
    return job


def test_a_running_job_whose_heartbeat_stopped_is_shown_failed(app, editor, session):
    location = upload(editor, csv_bytes(*GOOD_ROWS))
    job = _running(session, location, utcnow() - timedelta(minutes=10))
    huey = tasks.of(app).huey
    queue.JobProgress(huey, job.id, clock=lambda: time.time() - 300)(1, 3)  # its last beat, five minutes ago
    try:
        now = status(editor, location)
        assert now["state"] == "failed"
        assert now["error"] == "The import stopped: its worker stopped answering. Nothing was stored."
        page = page_of(editor, location)
        assert "The import stopped: its worker stopped answering. Nothing was stored." in page
        assert "Upload the file again" in page and customers(session) == 0
    finally:
        queue.JobProgress(huey, job.id).clear()


def test_a_running_job_that_beats_stays_running_and_shows_its_progress(app, editor, session, monkeypatch):
    location = upload(editor, csv_bytes(*GOOD_ROWS))
    job = _running(session, location, utcnow() - timedelta(minutes=10))
    huey = tasks.of(app).huey
    progress = queue.JobProgress(huey, job.id)
    progress(1234, 100000)
    try:
        now = status(editor, location)
        assert (now["state"], now["label"], now["percent"]) == ("running", "1,234 of 100,000 rows", 1)
        # the limit is configurable: a beat older than it ends the job
        monkeypatch.setitem(app.config, "IMPORT_HEARTBEAT_TIMEOUT", 0)
        time.sleep(0.01)
        assert status(editor, location)["state"] == "failed"
    finally:
        progress.clear()


def test_a_queued_job_nobody_takes_waits_for_a_worker_and_is_not_failed(app, editor, session):
    location = upload(editor, csv_bytes(*GOOD_ROWS))
    job = job_of(session, location)
    job.state, job.queued_at = "queued", utcnow() - timedelta(hours=1)
    session.commit()
    now = status(editor, location)
    assert now["state"] == "queued" and now["waiting"] is True
    page = editor.get(location).get_data(as_text=True)
    assert re.search(r'<p class="alert alert-warning bo-import-waiting">\s*No worker has started this import yet', page)


def test_the_status_is_for_the_jobs_owner_who_may_upload(app, editor, session, make_user):
    location = upload(editor, csv_bytes(*GOOD_ROWS))
    assert status(editor, location)["state"] == "checked"
    other = app.test_client()
    login(other, make_user(role="editor"))
    assert other.get(location + "status").status_code == 404
    staff = app.test_client()
    login(staff, make_user(role="staff"))
    assert staff.get(location + "status").status_code == 403
    anonymous = app.test_client().get(location + "status")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert editor.post(location + "status").status_code == 405


def test_a_swedish_user_gets_the_progress_in_swedish(app, client, session, make_user):
    login(client, make_user(role="editor", language="sv"))
    location = upload(client, csv_bytes(*GOOD_ROWS))
    job = _running(session, location, utcnow())
    progress = queue.JobProgress(tasks.of(app).huey, job.id)
    progress(1234, 100000)
    try:
        assert status(client, location)["label"] == "1\xa0234 av 100\xa0000 rader"
    finally:
        progress.clear()


# --- the queue's configuration, the commands ------------------------------------------------------------------
def test_the_queue_is_redis_with_redis_url_else_a_sqlite_file_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("QUEUE_FILE", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    assert config_module.from_environment(tmp_path)["QUEUE_FILE"] == str(tmp_path / "queue.sqlite3")
    sqlite = queue.make_huey({"QUEUE_FILE": str(tmp_path / "q" / "queue.sqlite3")})
    assert isinstance(sqlite, SqliteHuey) and (tmp_path / "q" / "queue.sqlite3").exists()
    redis = queue.make_huey({"REDIS_URL": "redis://127.0.0.1:6379/0", "QUEUE_FILE": str(tmp_path / "no.sqlite3")})
    assert isinstance(redis, RedisHuey) and not (tmp_path / "no.sqlite3").exists()
    assert redis.storage.conn.connection_pool.connection_kwargs["port"] == 6379


def test_progress_and_heartbeat_round_trip_through_redis():

    huey = RedisHuey(f"backoffice-test-{time.time_ns()}", url="redis://127.0.0.1:6379/0")
    huey.storage.conn.ping()  # Redis must run (README: "Redis runs at 127.0.0.1:6379"); CI fails without it
    try:
        progress = queue.JobProgress(huey, 7)
        progress(5, 10)
        assert (queue.read_progress(huey, 7).done, queue.read_progress(huey, 7).total) == (5, 10)
        assert queue.read_progress(huey, 7).beat is not None
        progress.clear()
        assert queue.read_progress(huey, 7) == queue.Progress()
    finally:
        huey.flush()


def test_progress_is_written_at_most_every_half_second_but_the_last_row_always(app):
    huey = tasks.of(app).huey
    now = [1000.0]
    progress = queue.JobProgress(huey, 99, clock=lambda: now[0])
    try:
        progress(1, 10)
        now[0] += 0.1
        progress(2, 10)
        assert queue.read_progress(huey, 99).done == 1
        now[0] += 0.5
        progress(3, 10)
        assert queue.read_progress(huey, 99).done == 3
        progress(10, 10)
        assert queue.read_progress(huey, 99).done == 10
    finally:
        progress.clear()


def test_the_worker_commands_exist(app):
    runner = app.test_cli_runner()
    worker = runner.invoke(args=["worker", "--help"])
    assert worker.exit_code == 0 and "Consume the background queue" in worker.output
    embedded = runner.invoke(args=["run-with-worker", "--help"])
    assert embedded.exit_code == 0 and "worker thread" in embedded.output


def test_make_run_serves_with_a_worker_and_make_worker_runs_one():
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "run-with-worker" in run
    assert re.search(r"^worker:.*\n\t.*\bworker\b", makefile, re.M)


# --- the outbox, every minute ---------------------------------------------------------------------------------
def test_the_outbox_is_a_periodic_task_of_every_minute_that_delivers_it(app, session, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    queue_mail(session, "periodic@example.com", "Every minute", "Delivered by the queue")
    session.commit()
    task = tasks.of(app).deliver_outbox
    minutes = [datetime(2026, 12, 4, 10, m) for m in (0, 1, 17, 59)]
    assert all(task.task_class().validate_datetime(m) for m in minutes)
    assert task.task_class in tasks.of(app).huey._registry._periodic_tasks
    task()  # (immediate mode: runs now, as the consumer's scheduler enqueues it each minute)
    assert "To: periodic@example.com" in capsys.readouterr().out
    session.expire_all()
    message = session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is not None and message.attempts == 1
    task()
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).one().attempts == 1  # not sent twice


def test_send_mail_and_the_periodic_task_share_one_delivery_loop():
    cli = (ROOT / "backoffice" / "cli.py").read_text()
    source = (ROOT / "backoffice" / "tasks.py").read_text()
    for text in (cli, source):
        assert "send_outbox(" in text and "deliver(" not in text and "pending(" not in text


def test_readme_says_the_outbox_needs_no_cron():
    readme = (ROOT / "README.md").read_text()
    assert "cron" not in re.search(r"E-mail is written to the `outbox_message` table.*?\n\n", readme, re.S).group(0)
    background = re.search(r"^## Background jobs\n(.*?)^## ", readme, re.M | re.S).group(1)
    assert "every minute" in background and "no cron" in background
