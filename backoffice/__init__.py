"""backoffice: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from backoffice import config as config_module
from backoffice.models.roles import LANGUAGES
from backoffice.extensions import SQLITE_BUSY_TIMEOUT_MS, babel, csrf, db, limiter, login_manager, migrate
from backoffice.parsers import accepts

ROOT = Path(__file__).resolve().parent.parent
ID_MAX = 2**31 - 1  # the largest id an INTEGER primary key holds on PostgreSQL


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number no primary key can hold is a 404, not a database error
    (SQLite raises OverflowError beyond int64, PostgreSQL refuses beyond int32)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, per connection. Write-ahead logging lets every reader go on
    while one connection writes (an import holds the one write lock until it commits: issue 13), and a save
    waits for that lock up to a minute (SQLITE_BUSY_TIMEOUT_MS) rather than failing after pysqlite's 5 s."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file (an in-memory database has no WAL)
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "connect")
def _postgres_custom_plans(dbapi_connection, connection_record):
    """psycopg prepares a statement run five times on a connection, and PostgreSQL then may plan it once for
    any parameters (a generic plan). For a search that plan can't know the pattern: the organizations list's
    ``name ILIKE $1 ... ORDER BY name LIMIT 20`` walked the whole name index (0.6 s at 100,000 rows) instead
    of the trigram indexes (issue 12). Every statement is planned for its own values."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # (a SET in a transaction would be rolled back with it)
        dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.autocommit = autocommit


@event.listens_for(Engine, "savepoint")
def _sqlite_begin_before_savepoint(conn, name):
    """pysqlite opens its transaction only at the first INSERT/UPDATE/DELETE, so a SAVEPOINT
    issued first (unique_guard's begin_nested) became the outermost transaction and its
    RELEASE committed everything: a later rollback lost nothing. Open the transaction first."""
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def select_locale() -> str:
    if not has_request_context():  # e.g. an app built inside another app's context (CLI, tests)
        return "en"
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.update(config_module.from_environment(Path(app.instance_path)))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    if config:
        app.config.update(config)
    # Flask 3.1's own TRUSTED_HOSTS check runs before the URL adapter exists, so its 400 could not render our
    # error page (url_for fails: a 500); backoffice/security.py checks the host as the first before_request.
    app.config["ALLOWED_HOSTS"] = config_module.trusted_hosts(
        app.config.get("BASE_URL"), app.config.get("TRUSTED_HOSTS") or app.config.get("ALLOWED_HOSTS")
    )
    app.config["TRUSTED_HOSTS"] = None
    if app.config.get("TRUST_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind one reverse proxy: X-Forwarded-For/-Proto/-Host make request.is_secure and the client IP right.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    limiter.init_app(app)

    from backoffice.auth import sessions

    sessions.init_app(app)

    from backoffice.auth import reset  # noqa: F401  (adds the password-reset routes to the auth blueprint)
    from backoffice.auth import two_factor  # (adds the two-factor routes to the auth blueprint)
    from backoffice.auth.views import bp as auth_bp
    from backoffice.portal import bp as portal_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)

    from backoffice import tasks

    tasks.init_app(app)  # the background queue (huey) and its tasks

    from backoffice.admin import init_admin

    init_admin(app)

    from backoffice.services import history

    history.install()

    from backoffice.cli import register as register_cli

    register_cli(app)
    _register_hooks(app)
    app.before_request(two_factor.force_enrolment)
    return app


def _register_hooks(app: Flask) -> None:
    allowed_while_forced = {"auth.change_password", "auth.logout", "auth.user_photo", "static"}

    @app.before_request
    def force_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in allowed_while_forced
            and not (request.endpoint or "").endswith(".static")
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.route("/")
    @accepts()
    def home():
        if current_user.is_authenticated:
            from backoffice.models.roles import can

            if can(current_user, "admin.access"):
                return redirect(url_for("admin.index"))
            return redirect(url_for("portal.index"))
        return redirect(url_for("auth.login"))

    from backoffice.services import countries, phones

    # {{ number|phone }}: a stored phone number the international way ("+46 8 123 456 78");
    # {{ code|country }}: an ISO country code named in the reader's language.
    app.add_template_filter(phones.display, "phone")
    app.add_template_filter(countries.name, "country")

    @app.context_processor
    def locale_helpers():
        from flask_babel import get_locale

        return {"get_locale": get_locale}

    from backoffice import security

    security.init_app(app)
