"""Backup and restore, on whichever engine the suite runs on (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Organization, OutboxMessage, User
from backoffice.infra import backup
from backoffice.services import organizations as org_service
from backoffice.services import users as user_service
from backoffice.services.mail import queue_mail


def records(session) -> dict:
    """Everything that matters, read through a fresh session."""
    session.remove()
    return {
        "users": sorted((u.email, u.first_name, u.session_version) for u in db.session.scalars(select(User))),
        "orgs": sorted((o.name, o.org_number, o.deleted_at is None) for o in db.session.scalars(select(Organization))),
        "mail": sorted(m.subject for m in db.session.scalars(select(OutboxMessage))),
    }


@pytest.fixture
def some_data(session, make_user, make_org, admin):
    for n in range(3):
        make_user(first_name=f"Keep{n}")
        make_org(name=f"Keep Org {n}")
    queue_mail(session, "someone@example.com", "Kept message", "body")
    session.commit()
    return records(db.session)


def damage(session):
    """Change, delete and add after the backup."""
    session.remove()
    first = db.session.scalars(select(User).where(User.first_name == "Keep0")).one()
    user_service.update_user(db.session, None, first, first_name="Changed")
    org = db.session.scalars(select(Organization).where(Organization.name == "Keep Org 1")).one()
    org_service.soft_delete_organization(db.session, None, org)
    for obj in db.session.scalars(select(OutboxMessage)):
        db.session.delete(obj)
    victim = db.session.scalars(select(User).where(User.first_name == "Keep2")).one()
    db.session.delete(victim)
    org_service.create_organization(db.session, None, name="Added later", org_number="999999-0006")
    db.session.commit()


def test_backup_then_restore_finds_every_record(app, some_data, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    path = backup.backup(url, tmp_path / "nested" / "backoffice.backup")
    assert path.exists() and path.stat().st_size > 0
    assert not list(path.parent.glob("*.partial"))
    damage(db.session)
    assert records(db.session) != some_data
    db.session.remove()
    backup.restore(url, path, engine=db.engine)
    assert records(db.session) == some_data
    # the restored database is fully usable: a new record gets a fresh id
    org = org_service.create_organization(db.session, None, name="After restore", org_number="123456-7897")
    db.session.commit()
    assert org.id > max(db.session.scalars(select(Organization.id).where(Organization.name != "After restore")))


def test_cli_backup_and_restore_ask_for_typed_confirmation(app, some_data, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "cli.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output
    damage(db.session)
    db.session.remove()
    changed = records(db.session)

    refused = runner.invoke(args=["restore", str(path)], input="restore\n")
    assert refused.exit_code != 0
    assert "Type RESTORE to continue" in refused.output and "Not restored" in refused.output
    assert records(db.session) == changed

    db.session.remove()
    confirmed = runner.invoke(args=["restore", str(path)], input="RESTORE\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert records(db.session) == some_data

    damage(db.session)
    db.session.remove()
    scripted = runner.invoke(args=["restore", "--yes", str(path)])
    assert scripted.exit_code == 0, scripted.output
    assert records(db.session) == some_data


def test_restore_refuses_a_file_that_is_not_a_backup(app, some_data, tmp_path):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"this is not a backup at all" * 100)
    db.session.remove()
    with pytest.raises(backup.BackupError):
        backup.restore(app.config["SQLALCHEMY_DATABASE_URI"], bogus, engine=db.engine)
    assert records(db.session) == some_data
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0 and "Error" in result.output
    assert records(db.session) == some_data


def test_libpq_url_conversion():
    libpq, env = backup.libpq_connection("postgresql+psycopg://bo:s3cret@db.example:5433/backoffice?sslmode=require")
    assert libpq == "postgresql://bo@db.example:5433/backoffice?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"
    with pytest.raises(backup.BackupError):
        backup.engine_kind("mysql://x@y/z")

