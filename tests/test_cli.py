"""The CLI: create-user and seed-demo, run through Flask's CLI runner."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from backoffice.models.roles import ROLES
from backoffice.models import Organization, User
from backoffice import demo
from backoffice.services import users as user_service


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def create_user(app, **overrides):
    values = {
        "--email": "Cli.User@Example.com",
        "--password": "a-cli-password-1",
        "--role": "system-admin",
        "--first-name": "Cli",
        "--last-name": "User",
    }
    values.update(overrides)
    return run(app, "create-user", *[x for pair in values.items() for x in pair])


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_create_user(app, session):
    result = create_user(app)
    assert result.exit_code == 0, result.output
    assert "Created cli.user@example.com (system-admin)." in result.output
    user = user_service.get_by_email(session, "cli.user@example.com")
    assert (user.first_name, user.last_name, user.role, user.active) == ("Cli", "User", "system-admin", True)
    assert user_service.authenticate(session, "cli.user@example.com", "a-cli-password-1") is not None


def test_create_user_refuses_a_duplicate_email_clearly(app, session):
    assert create_user(app).exit_code == 0
    result = create_user(app, **{"--email": "CLI.USER@example.com"})
    assert result.exit_code != 0
    assert "Error: A user with this e-mail address already exists." in result.output
    assert "Traceback" not in result.output
    assert count(session, User) == 1


def test_create_user_refuses_a_weak_password_clearly(app, session):
    result = create_user(app, **{"--password": "short"})
    assert result.exit_code != 0
    assert "Error: The password must be at least 12 characters." in result.output
    assert count(session, User) == 0


def test_create_user_refuses_a_bad_email_and_role(app, session):
    result = create_user(app, **{"--email": "not-an-email"})
    assert result.exit_code != 0 and "Enter a valid e-mail address." in result.output
    result = create_user(app, **{"--role": "owner"})
    assert result.exit_code != 0 and "owner" in result.output
    assert count(session, User) == 0


def test_seed_demo_gives_enough_of_everything_and_is_idempotent(app, session):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output and demo.DEMO_PASSWORD in result.output
    users, orgs = count(session, User), count(session, Organization)
    assert orgs >= 60 and users >= 80
    roles = Counter(session.scalars(select(User.role)))
    assert set(roles) == set(ROLES) | {"auditor"}, roles  # (the built-in roles and the demo's own, issue 14)
    assert count(session, Organization, Organization.deleted_at.is_not(None)) >= 1  # the DELETED badge shows
    assert count(session, User, User.photo_mime.is_not(None)) >= 10  # avatars, and initials for the rest
    assert count(session, User, User.photo_mime.is_(None)) >= 10
    # Every printed demo login works.
    for email, *_ in demo.DEMO_LOGINS:
        assert user_service.authenticate(session, email, demo.DEMO_PASSWORD) is not None, email
    session.rollback()

    snapshot = sorted(session.execute(select(User.email, User.role)).all())
    result = run(app, "seed-demo")
    assert result.exit_code == 0 and "added 0 users, 0 organizations" in result.output
    assert count(session, User) == users and count(session, Organization) == orgs
    assert sorted(session.execute(select(User.email, User.role)).all()) == snapshot


def test_seed_demo_is_deterministic():
    assert demo.demo_users() == demo.demo_users()
    assert demo.demo_organizations() == demo.demo_organizations()
    numbers = [o["org_number"] for o in demo.demo_organizations()]
    assert len(set(numbers)) == len(numbers)


def test_seed_demo_if_empty_skips_when_users_exist(app, session, make_user):
    make_user(role="staff")
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert "already has users; nothing loaded" in result.output
    assert count(session, User) == 1 and count(session, Organization) == 0


def test_seed_demo_if_empty_loads_into_an_empty_database(app, session):
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert count(session, User) >= 80


def test_create_user_refuses_a_common_password(app, session):
    """Finding 7: the CLI goes through the same password rules as the forms."""
    result = create_user(app, **{"--password": "password1234"})
    assert result.exit_code != 0
    assert "This password is one of the most common ones." in result.output
    assert count(session, User) == 0
