"""Declarative base, naming convention, UTC timestamps and SQLite connection settings."""

import logging
import re
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
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
    if session.get_bind().dialect.name == "postgresql":
        # Imported here: on SQLite the PostgreSQL dialect would be 70 ms of every start.
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(target)
    return sqlite.insert(target)


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


BUSY_TIMEOUT_MS = 10_000  # how long a write waits for the lock before "database is locked"
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCRUB_AFTER_COMMIT = "sqlite_scrub_after_commit"
SCRUB_WAIT_MS = 2000  # how long a scrub waits for readers of older snapshots to finish
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
log = logging.getLogger(__name__)


def configure_sqlite(engine: Engine) -> None:
    """Make pysqlite begin real transactions, enforce FKs, use WAL, zero what is deleted.

    A request that only reads (GET, HEAD, OPTIONS) begins a deferred transaction, which
    takes no write lock: it reads its snapshot while another connection writes. Everything
    else begins with BEGIN IMMEDIATE, so that a read-check-write is never overtaken.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Autocommit at the driver level; SQLAlchemy's "begin" event below opens transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows (label codes once sealed) are overwritten, not left in free space.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # sqlite_autocommit: each statement is its own transaction, holding the write lock
        # only while it runs (the public label checks: one UPDATE, then one read).
        connection.info.pop("sqlite_reading", None)
        if connection.get_execution_options().get("sqlite_autocommit"):
            return
        if _reading_request():
            connection.info["sqlite_reading"] = True
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection, _cursor, statement, _parameters, _context, _many):
        if connection.info.get("sqlite_reading") and _WRITES.match(statement):
            # It works while nobody else writes, and fails at once (no waiting) otherwise.
            connection.info["sqlite_reading"] = False  # said once a transaction
            log.warning("a %s request writes in a reading transaction: %.60s",
                        _request_method(), statement)  # fmt: skip


def _request_method() -> str | None:
    from flask import has_request_context, request

    return request.method if has_request_context() else None


def _reading_request() -> bool:
    """Tell whether this transaction serves a request that only reads (GET, HEAD, OPTIONS)."""
    return _request_method() in READING_METHODS


def scrub_after_commit(session) -> None:
    """Have the session copy SQLite's log into the file and empty it once it commits.

    Deleted secrets (secure_delete zeroes them in the database pages) would otherwise stay
    readable in the older frames of the write-ahead log until it is next overwritten.
    """
    bind = session.get_bind()
    # (A session bound to a connection, as in the tests, commits nothing to scrub.)
    if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
        session.info[SCRUB_AFTER_COMMIT] = True


@event.listens_for(Session, "after_commit")
def _scrub(session) -> None:
    if not session.info.pop(SCRUB_AFTER_COMMIT, None):
        return
    engine = session.get_bind()
    # Its own connection, outside any transaction: a checkpoint cannot run inside one.
    with engine.connect().execution_options(sqlite_autocommit=True) as connection:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={SCRUB_WAIT_MS}")
        try:
            busy, *_frames = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if busy:
        log.warning("the write-ahead log could not be emptied now (a reader holds it)")


@event.listens_for(Session, "after_soft_rollback")
def _no_scrub(session, _previous_transaction) -> None:
    session.info.pop(SCRUB_AFTER_COMMIT, None)
