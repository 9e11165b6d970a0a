"""Declarative base, naming convention, UTC timestamps and SQLite connection settings."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model, sharing one metadata with the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values) -> str:
    """Return the SQL of a CHECK that `column` holds one of `values` (an enum's members)."""
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def equals_one_of(column: str, values) -> str:
    """Return the SQL of the same CHECK as one_of's, written as comparisons joined by OR."""
    # SQLite tests an IN list of three or more values against a temporary index, which makes
    # a bulk insert of titles a third slower; a few = comparisons cost next to nothing.
    return " OR ".join(f"{column} = '{value}'" for value in values)


def conflict_insert(session, target):
    """Return an INSERT into `target` that can end in ON CONFLICT DO NOTHING on this database."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(target)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC and always return them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def configure_sqlite(engine: Engine) -> None:
    """Make pysqlite begin real transactions (BEGIN IMMEDIATE), enforce FKs, use WAL."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Autocommit at the driver level; SQLAlchemy's "begin" event below opens transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # sqlite_autocommit: each statement is its own transaction, holding the write lock
        # only while it runs (the public label checks: one UPDATE, then one read).
        if connection.get_execution_options().get("sqlite_autocommit"):
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE")
