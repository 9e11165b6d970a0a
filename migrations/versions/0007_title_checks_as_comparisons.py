"""Titles and contributors: the CHECKs of format, status and role as comparisons joined by OR.

They accept exactly the values they accepted before. SQLite tested each IN list of three or
more values against a temporary index, which took a third of a large title import's writes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CHECKS = (  # table, constraint, column, the values it allows
    ("title", "ck_title_format", "format", ("paperback", "hardback", "ebook", "audiobook")),
    ("title", "ck_title_status", "status", ("forthcoming", "active", "withdrawn")),
    ("contributor", "ck_contributor_role", "role",
     ("author", "editor", "translator", "illustrator")),
)


def in_list(column, values):
    """Return the CHECK as migration 0002 wrote it."""
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def comparisons(column, values):
    """Return the CHECK as alliance.db.equals_one_of writes it."""
    return " OR ".join(f"{column} = '{value}'" for value in values)


def upgrade():
    _rewrite(in_list, comparisons)


def downgrade():
    _rewrite(comparisons, in_list)


def _rewrite(old, new):
    """Replace each CHECK written by `old` with the one written by `new`."""
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_sqlite_schema(old, new)
        return
    for table, name, column, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_="check")
            batch_op.create_check_constraint(op.f(name), new(column, values))


def _rewrite_sqlite_schema(old, new):
    """Edit the CHECKs in the tables' stored SQL, in this transaction; no row is copied.

    This is SQLite's documented way to change constraints that every stored row satisfies
    either way (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table
    Schema Changes"). A batch copy of `title` cannot be used: with foreign keys enforced,
    dropping the old table would delete every contributor (ON DELETE CASCADE) or fail on
    the enrolments and labels that refer to a title.
    """
    connection = op.get_bind()
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        for table in sorted({table for table, *_rest in CHECKS}):
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar()
            for of, name, column, values in CHECKS:
                if of != table:
                    continue
                before = f"CONSTRAINT {name} CHECK ({old(column, values)})"
                if sql.count(before) != 1:
                    raise RuntimeError(f"{table}: {name} is not {before!r}; nothing changed")
                sql = sql.replace(before, f"CONSTRAINT {name} CHECK ({new(column, values)})")
            connection.exec_driver_sql(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
            )
        # Every connection reads the schema again when its version changes.
        connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1:d}")
    finally:
        connection.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = connection.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"SQLite schema check failed: {problems}")
