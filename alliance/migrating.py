"""What migrations share: replacing a CHECK constraint on SQLite and PostgreSQL alike."""

from alembic import op


def replace_checks(changes) -> None:
    """Replace CHECKs: `changes` holds (table, constraint name, old SQL, new SQL) each.

    On SQLite the tables' stored SQL is edited in this transaction and no row is copied:
    SQLite's documented way to change constraints that every stored row satisfies either way
    (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
    Changes"). A batch copy cannot be used on a table others refer to: with foreign keys
    enforced, dropping the old table would cascade or fail.
    """
    if op.get_bind().dialect.name == "sqlite":
        _edit_sqlite_schema(changes)
        return
    for table, name, _old, new in changes:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_="check")
            batch_op.create_check_constraint(op.f(name), new)


def _edit_sqlite_schema(changes) -> None:
    connection = op.get_bind()
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        for table in sorted({table for table, *_rest in changes}):
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar()
            for of, name, old, new in changes:
                if of != table:
                    continue
                before = f"CONSTRAINT {name} CHECK ({old})"
                if sql.count(before) != 1:
                    raise RuntimeError(f"{table}: {name} is not {before!r}; nothing changed")
                sql = sql.replace(before, f"CONSTRAINT {name} CHECK ({new})")
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
