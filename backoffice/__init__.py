"""backoffice: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from backoffice import config as config_module
from backoffice.auth.permissions import LANGUAGES
from backoffice.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, per connection.

    pysqlite also starts transactions on its own, lazily, and not before a SAVEPOINT: a released
    savepoint (services' unique_guard) then commits, and a later rollback undoes nothing. Handing
    transaction control to SQLAlchemy (which emits BEGIN, below) makes rollback roll back on SQLite too;
    WAL keeps readers from blocking the writer meanwhile.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def select_timezone() -> str | None:
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
    app.config.update(config_module.from_environment(Path(app.instance_path)))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    if config:
        app.config.update(config)
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

    from backoffice.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    from backoffice.auth.views import bp as auth_bp
    from backoffice.portal import bp as portal_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)

    from backoffice.admin import init_admin

    init_admin(app)

    from backoffice.services import history

    history.install()

    from backoffice.cli import register as register_cli

    register_cli(app)
    _register_hooks(app)
    return app


def _register_hooks(app: Flask) -> None:
    allowed_while_forced = {"auth.change_password", "auth.logout", "static"}

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

    @app.before_request
    def history_actor():
        """Changes made while handling a request are recorded as the signed-in user's (CLI: "system")."""
        from backoffice.services import history

        if (request.endpoint or "").endswith("static"):
            return
        if current_user.is_authenticated:
            history.set_actor(db.session, current_user._get_current_object())
        else:
            history.clear_actor(db.session)

    @app.teardown_request
    def history_actor_done(exc=None):
        from backoffice.services import history

        history.clear_actor(db.session)

    @app.route("/")
    def home():
        if current_user.is_authenticated:
            from backoffice.auth.permissions import can

            if can(current_user, "admin.access"):
                return redirect(url_for("admin.index"))
            return redirect(url_for("portal.index"))
        return redirect(url_for("auth.login"))

    @app.context_processor
    def locale_helpers():
        from flask_babel import get_locale

        return {"get_locale": get_locale}

    for code in (403, 404, 500):
        app.register_error_handler(code, _error_page(code))


def _error_page(code: int):
    titles = {403: _l("Access denied"), 404: _l("Page not found"), 500: _l("Something went wrong")}
    texts = {
        403: _l("You do not have permission to open this page."),
        404: _l("There is nothing at this address."),
        500: _l("The error has been logged. Please try again."),
    }

    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_template("errors/error.html", code=code, title=titles[code], text=texts[code]), code

    return handler
