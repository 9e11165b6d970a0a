"""The migrations build exactly the models, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alliance.extensions import db as _db


def test_upgrade_yields_the_models_with_nothing_pending(db):
    context = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True, "render_as_batch": True}
    )
    differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_migration_installs_the_audit_guards(db):
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
            "AND NOT tgisinternal"
        ).scalars()
        expected = {"audit_event_append_only", "audit_event_no_truncate"}
    else:
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
        ).scalars()
        expected = {"audit_event_no_update", "audit_event_no_delete"}
    assert set(rows) == expected
