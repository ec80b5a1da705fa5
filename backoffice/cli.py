"""Flask CLI commands: flask --app app <command>."""

from __future__ import annotations

import click
from flask import Flask

from backoffice.auth.permissions import ROLES
from backoffice.extensions import db
from backoffice.services import demo
from backoffice.services import users as user_service
from backoffice.services.errors import ServiceError


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True, type=click.Choice(sorted(ROLES)))
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
        from backoffice.services import backup

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
        from backoffice.services import backup

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
