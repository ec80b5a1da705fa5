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
