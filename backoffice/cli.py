"""Flask CLI commands: flask --app app <command>."""

from __future__ import annotations

import click
from flask import Flask

from backoffice.models.roles import CUSTOMER_ADMIN_ROLE, ROLES
from backoffice.extensions import db
from backoffice import demo
from backoffice.infra import mail as mail_service
from backoffice.services import users as user_service
from backoffice.services.errors import ServiceError


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True, type=click.Choice(sorted(set(ROLES) - {CUSTOMER_ADMIN_ROLE})))
    @click.option("--first-name", required=True)
    @click.option("--last-name", required=True)
    @click.option("--language", default="en", type=click.Choice(["en", "sv"]))
    def create_user(email, password, role, first_name, last_name, language):
        """Create a user who can sign in."""
        try:
            user = user_service.create_user(
                db.session,
                None,
                email=email,
                password=password,
                role=role,
                first_name=first_name,
                last_name=last_name,
                language=language,
            )
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from error
        click.echo(f"Created {user.email} ({role}).")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Back up the whole database to PATH (SQLite online backup, or pg_dump custom format)."""
        from backoffice.infra import backup

        try:
            written = backup.backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backup written to {written} ({written.stat().st_size} bytes).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
    def restore_command(path, yes):
        """Replace EVERY record in the database with the backup at PATH."""
        from backoffice.infra import backup

        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if not yes:
            click.echo(f"This replaces every record in the {backup.engine_kind(url)} database with the backup {path}.")
            click.echo("Changes made since the backup are lost.")
            typed = click.prompt("Type RESTORE to continue", default="", show_default=False)
            if typed != "RESTORE":
                raise click.ClickException("Not restored: the confirmation was not typed.")
        db.session.remove()
        try:
            backup.restore(url, path, engine=db.engine)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored from {path}.")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no users (first run).")
    def seed_demo(if_empty):
        """Load the deterministic demo data; running it again adds nothing."""
        if if_empty and not demo.is_empty(db.session):
            click.echo("Demo data: the database already has users; nothing loaded.")
        else:
            added = demo.seed(db.session)
            db.session.commit()
            click.echo("Demo data: added " + ", ".join(f"{n} {kind}" for kind, n in added.items()) + ".")
        click.echo("\nDemo logins (password for all: %s):" % demo.DEMO_PASSWORD)
        for email, _first, _last, _role, _lang, note in demo.DEMO_LOGINS:
            click.echo(f"  {email:<28} {note}")
        click.echo(
            f"\n{demo.DEMO_ADMIN_EMAIL} also asks for a two-factor code (TOTP secret {demo.DEMO_TOTP_SECRET}):\n"
            f"  add the secret to an authenticator app, or: .venv/bin/python -c "
            f"\"import pyotp; print(pyotp.TOTP('{demo.DEMO_TOTP_SECRET}').now())\""
        )

    register_send_mail(app)
    register_import(app)
    register_worker(app)


def _show_worker_logs() -> None:
    """The consumer's lines (huey's and the tasks' loggers, INFO and up) on stderr."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("huey", "backoffice.tasks", "backoffice.queue"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False


def register_worker(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Tasks this process runs at once.")
    @click.option("--no-periodic", is_flag=True, help="Don't enqueue the periodic tasks (the outbox every minute) "
                                                      "from this process.")
    def worker(threads, no_periodic):
        """Consume the background queue (register imports; the outbox every minute) until stopped.

        The queue is the Redis at REDIS_URL (run any number of workers, on any machine), else the SQLite file
        QUEUE_FILE (one machine). SIGINT or SIGTERM stops it; SIGINT waits for a running task."""
        from backoffice import tasks
        from backoffice.infra import queue

        _show_worker_logs()
        huey = tasks.of(app).huey
        where = app.config["REDIS_URL"] if app.config.get("REDIS_URL") else app.config["QUEUE_FILE"]
        click.echo(f"Worker: {threads} thread(s) consuming {where}  (Ctrl-C stops)")
        huey.create_consumer(**queue.consumer_options(threads, periodic=not no_periodic)).run()

    @app.cli.command("run-with-worker")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--threads", default=2, show_default=True, help="Worker threads beside the server.")
    def run_with_worker(host, port, threads):
        """The development server with a worker thread consuming the queue beside it (what `make run` runs).

        One process does everything: the web pages, the register imports, the outbox every minute."""
        from werkzeug.serving import run_simple

        from backoffice import tasks
        from backoffice.infra import queue

        _show_worker_logs()
        consumer = queue.embedded_consumer(tasks.of(app).huey, workers=threads)
        consumer.start()
        try:
            run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
        finally:
            click.echo("Stopping the worker (it finishes a running task first)...")
            consumer.stop(graceful=True)


def register_import(app: Flask) -> None:
    @app.cli.command("import-customers")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row and report; store nothing.")
    @click.option("--valid-only", is_flag=True, help="Import the valid rows even when others are rejected.")
    @click.option("--create-missing", is_flag=True, help="Create the customer groups and location groups the file "
                                                        "names that don't exist yet.")
    @click.option("--timezone", default="Europe/Stockholm", show_default=True,
                  help="The time zone of the file's times (the Deleted column).")
    def import_customers(path, dry_run, valid_only, create_missing, timezone):
        """Import a register file (CSV or XLSX, the customers' CSV download's columns) as the system.

        Exits with 1 when any row was rejected (and 2 when the file can't be read)."""
        from backoffice.services import customer_import

        with open(path, "rb") as file:
            data = file.read()
        with click.progressbar(length=1, label="Rows", show_pos=True) as bar:
            def progress(done, total):
                bar.length = total
                bar.update(done - bar.pos)

            try:
                report = customer_import.run(db.session, None, data, path, dry_run=dry_run, valid_only=valid_only,
                                             create_missing=create_missing, timezone=timezone, progress=progress)
            except ServiceError as error:
                db.session.rollback()
                raise click.ClickException(str(error.message)) from None
        db.session.commit()
        if report.unknown:
            click.echo("Unknown columns (rename them to a column of the customers' CSV download): "
                       + ", ".join(report.unknown), err=True)
            raise SystemExit(2)
        for row in report.rejected:
            for problem in row.problems:
                where = f" ({problem.column})" if problem.column else ""
                click.echo(f"line {row.line}{where}: {problem.message}", err=True)
        counts = report.counts
        state = "Dry run" if dry_run else ("Imported" if report.stored else "Nothing imported")
        click.echo(f"{state}: {counts['create']} new, {counts['update']} updated, {counts['unchanged']} unchanged, "
                   f"{counts['rejected']} rejected.")
        if any(report.missing.values()):
            click.echo("Groups the file names that don't exist yet: "
                       + "; ".join(", ".join(names) for names in report.missing.values() if names)
                       + ("" if create_missing else " (--create-missing creates them)"))
        if counts["rejected"]:
            raise SystemExit(1)


def register_send_mail(app: Flask) -> None:
    @app.cli.command("send-mail")
    @click.option("--limit", default=100, show_default=True, help="At most this many messages per run.")
    def send_mail(limit):
        """Deliver the outbox: over SMTP when MAIL_SERVER is set, else print the messages."""
        settings = mail_service.MailSettings.from_config(app.config)
        run = mail_service.send_outbox(db.session, settings, limit=limit, echo=click.echo)
        if run.unreachable:
            raise click.ClickException(f"Could not reach the mail server {settings.server}:{settings.port}: "
                                       f"{run.unreachable.split(': ', 1)[-1]}")
        if not run.tried:
            click.echo("Outbox: nothing to send.")
            return
        click.echo(f"Outbox: {run.sent} sent, {run.failed} failed.")
        if run.failed:
            raise SystemExit(1)
