"""Backup and restore of the whole database: SQLite's online backup API, or pg_dump/pg_restore on PostgreSQL.

`flask --app app backup PATH` and `flask --app app restore PATH` (cli.py) call these. A restore replaces every
record with the backup's and ends every session (no session row of the backup stays valid); the caller closes its own
connections first (restore() disposes the engine it is given).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    pass


def engine_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {backend}")
    return backend


def libpq_connection(url: str) -> tuple[str, dict]:
    """A SQLAlchemy URL (postgresql+psycopg://...) as a libpq URI for pg_dump/pg_restore, and the environment
    to run them in. The password travels in PGPASSWORD, not on the command line (where `ps` would show it)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    libpq = URL.create(
        "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query
    ).render_as_string(hide_password=False)
    return libpq, env


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database can't be backed up")
    return Path(database)


def _run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools are needed)")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def backup(url: str, path: str | Path) -> Path:
    """Write a consistent copy of the live database to PATH (written beside it first, then renamed into place)."""
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if engine_kind(url) == "sqlite":
            source_file = _sqlite_file(url)
            if not source_file.exists():
                raise BackupError(f"no database at {source_file}")
            source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)  # the online backup API: consistent even while the app writes
            finally:
                copy.close()
                source.close()
        else:
            libpq, env = libpq_connection(url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), "--dbname", libpq], env)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _check_sqlite_backup(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite backup: {exc}") from exc
    if not ok or "alembic_version" not in tables:
        raise BackupError(f"{path} is not a backup of this application")


def restore(url: str, path: str | Path, engine=None) -> None:
    """Replace the live database's contents with the backup at PATH."""
    source_path = Path(path)
    if not source_path.is_file():
        raise BackupError(f"no backup at {source_path}")
    if engine is not None:
        engine.dispose()  # pooled connections would otherwise hold locks (PostgreSQL) or stale pages (SQLite)
    if engine_kind(url) == "sqlite":
        _check_sqlite_backup(source_path)
        live = _sqlite_file(url)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        target = sqlite3.connect(live)
        try:
            source.backup(target)  # replaces every page of the live file, in one step
        finally:
            target.close()
            source.close()
    else:
        libpq, env = libpq_connection(url)
        _run(["pg_restore", "--list", str(source_path)], env)  # refuses a file that isn't a pg_dump archive
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                libpq,
                str(source_path),
            ],
            env,
        )
    end_every_session(url)
    if engine is not None:
        engine.dispose()


def end_every_session(url: str) -> None:
    """After a restore nobody is signed in: the backup's session rows (some ended since) are all deleted."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if inspect(conn).has_table("user_session"):  # a backup older than the sessions table has none
                conn.execute(text("DELETE FROM user_session"))
    finally:
        engine.dispose()
