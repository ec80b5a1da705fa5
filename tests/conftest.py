"""One suite for both engines: DATABASE_URL picks PostgreSQL, else a throw-away SQLite file.

The schema is built by running the migrations (so they are tested every run); every test
starts from empty tables and may commit freely.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from contextlib import contextmanager

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from backoffice import create_app
from backoffice.extensions import db
from tests import factories
from tests import fuzz_profile  # noqa: F401  (loads the hypothesis profile: ci by default)

TEST_PASSWORD = factories.PASSWORD


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if not url.startswith("postgresql"):
            raise RuntimeError(f"tests run on SQLite or PostgreSQL, not {url.split(':')[0]}")
        _reset_postgres(url)
        yield url
        _reset_postgres(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def test_config(database_url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        # The suite signs in from 127.0.0.1 many times a minute; tests/test_security_throttle.py turns it on.
        "RATELIMIT_ENABLED": False,
        # Background tasks run when they are enqueued (huey's immediate mode, in memory); tests/test_tasks.py and
        # the browser journeys run a real consumer on a SQLite queue file of their own.
        "QUEUE_IMMEDIATE": True,
        "QUEUE_FILE": os.path.join(tempfile.gettempdir(), f"backoffice-test-queue-{os.getpid()}.sqlite3"),
        **extra,
    }


class FreshGlobalsClient(FlaskClient):
    """Each request starts with an empty ``g``, as in production.

    Tests keep an app context pushed, and Flask reuses it for the requests made inside it; without
    this, ``g`` (Flask-Login's cached user, Flask-WTF's CSRF token) would leak from one request
    into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            vars(g._get_current_object()).clear()
        return super().open(*args, **kwargs)


@contextmanager
def throttled_app(database_url: str, suite_app, storage: str = "memory://", prefix: str | None = None, **extra):
    """An app with throttling ON (the suite's app has it off), its counters under a prefix of its own; afterwards
    its counters are gone and the one process-wide limiter is back on the suite's app (throttling off).

    Flask-Limiter keeps the first key prefix it was ever given, so it is cleared before this app's is set; and it
    keeps "the storage is down" across init_app (a test of an unreachable Redis sets it), which would send the
    next app's first requests to its in-memory fallback and split its counts, so that is cleared too."""
    import redis
    from backoffice.extensions import limiter

    prefix = prefix or f"bo-test-{uuid.uuid4().hex}"
    limiter._key_prefix = None
    limiter._storage_dead = False
    app = create_app(
        test_config(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix,
                    **extra)
    )
    if storage.startswith("memory"):
        limiter.reset()  # (on Redis, reset() would clear every app's counters; the prefix keeps ours apart)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if storage.startswith("memory"):
            limiter.reset()
        else:
            try:
                conn = redis.Redis.from_url(storage)
                keys = list(conn.scan_iter(f"*{prefix}*"))
                if keys:
                    conn.delete(*keys)
            except redis.ConnectionError:
                pass  # a deliberately unreachable Redis holds nothing
        limiter._storage_dead = False
        limiter.init_app(suite_app)
        assert limiter.enabled is False


def make_app(database_url: str, **extra):
    app = create_app(test_config(database_url, **extra))
    app.test_client_class = FreshGlobalsClient
    return app


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    # (immediate mode; a test that runs a real consumer switches the queue to this file: tests/queue_helpers.py)
    app = make_app(database_url, QUEUE_FILE=str(tmp_path_factory.mktemp("queue") / "queue.sqlite3"))
    with app.app_context():
        upgrade()
        two_factor_not_required()
    return app


def two_factor_not_required() -> None:
    """The suite signs system administrators in with a password only; tests/test_two_factor.py turns the
    register setting "require two-factor for system administrators" (on in a new installation) back on."""
    from backoffice.services import history, settings

    with history.disabled(db.session):  # (fixture bookkeeping: no history entry in any test)
        settings.update(db.session, None, require_two_factor_for_admins=False)
        db.session.commit()


def built_in_roles() -> None:
    """The built-in roles, as the migration seeded them (truncate_all empties the role table with the others)."""
    from backoffice.services import history, roles

    with history.disabled(db.session):  # (fixture bookkeeping: no history entry in any test)
        roles.ensure_built_in(db.session)
        db.session.commit()


def truncate_all(engine) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            # A test's ANALYZE (bench/generate.py runs one) leaves SQLite's planner statistics of rows now
            # gone: later tests' plans would follow them. Cleared, and the planner told to reread them.
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
                conn.execute(text("DELETE FROM sqlite_stat1"))
                conn.execute(text("ANALYZE sqlite_schema"))
    built_in_roles()


@pytest.fixture(autouse=True)
def _clean_db(app):
    with app.app_context():
        yield
        db.session.remove()
        truncate_all(db.engine)
        two_factor_not_required()
        db.session.remove()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(session):
    return lambda **kw: factories.user(session, **kw)


@pytest.fixture
def make_org(session):
    return lambda **kw: factories.organization(session, **kw)


@pytest.fixture
def admin(make_user):
    return make_user(role="system-admin", email="root@example.com", first_name="Root", last_name="Admin")


def login(client, user, password: str = TEST_PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def as_user(client, make_user):
    """as_user("staff") -> a test client signed in as a fresh user with that role."""

    def sign_in(role: str, **kw):
        user = make_user(role=role, **kw)
        login(client, user)
        return client

    return sign_in


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)
