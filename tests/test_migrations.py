import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from backoffice.extensions import db


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to add: the migrations build exactly the models' schema."""
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite can't reflect an index on an expression (the lower() prefix indexes, issue 12): compared on
        # PostgreSQL, and by name on both below.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def database_index_names(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
    return set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")).scalars())


def test_every_index_of_the_models_is_in_the_migrated_database(app):
    """By name, expression indexes included (which autogenerate skips on SQLite)."""
    declared = {index.name for table in db.metadata.tables.values() for index in table.indexes}
    with db.engine.connect() as conn:
        missing = declared - database_index_names(conn)
    assert "ix_customer_display_name_prefix" in declared and missing == set()


def test_a_register_beside_a_migrated_one_gets_its_own_tables(app, database_url, tmp_path):
    """A second register in the same database — a schema of its own on PostgreSQL (as the benches make, found
    through "search_path=<schema>,public" beside the suite's migrated public), another file on SQLite — is
    migrated into its own tables, not taken as migrated already because the first register's version table
    is visible."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine

    from backoffice import create_app
    from bench.run import bench_url
    from tests.conftest import test_config

    postgres = database_url.startswith("postgresql")
    if postgres:
        admin = create_engine(database_url)
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS second_register CASCADE"))
            conn.execute(text("CREATE SCHEMA second_register"))
        url = bench_url(database_url, "second_register")
    else:
        url = f"sqlite:///{tmp_path / 'second.db'}"
    try:
        second = create_app(test_config(url))
        with second.app_context():
            upgrade()
            with db.engine.connect() as conn:
                if postgres:
                    tables = set(conn.execute(text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'second_register'")).scalars())
                else:
                    tables = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
            db.engine.dispose()
        assert {"customer", "history_entry", "alembic_version"} <= tables
    finally:
        if postgres:
            with admin.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS second_register CASCADE"))
            admin.dispose()
