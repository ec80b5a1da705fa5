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
