"""Public verification of a label: one indexed row read and counted, clone warnings."""

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import LargeBinary, bindparam, func, select, update

from alliance.catalogue.models import Title
from alliance.db import UTCDateTime, utcnow
from alliance.members.models import Organisation
from alliance.sqlite_writers import Checkpointer, WriterQueue
from authenticity import labels
from authenticity.logs import fingerprint
from authenticity.models import BatchStatus, Label, LabelBatch, SellerAuthorisation
from authenticity.services import label_key

log = logging.getLogger(__name__)
GENUINE = "genuine"
REVOKED = "revoked"
UNKNOWN = "unknown"

LABEL = Label.__table__
NOW = bindparam("now", type_=UTCDateTime())
# First the label and its batch are found, reading only (no lock); then one UPDATE by the
# row's id counts the check: the write lock is held for the update alone, not for the search
# through the index of codes.
_FIND = (
    select(
        LABEL.c.id,
        LabelBatch.status,
        LabelBatch.revoke_category,
        Title.title,
        Title.isbn,
        Organisation.name,
        Organisation.name_en,
        SellerAuthorisation.merchant_name,
    )
    .join(LabelBatch, LabelBatch.id == LABEL.c.batch_id)
    .join(Title, Title.id == LabelBatch.title_id)
    .join(Organisation, Organisation.id == LabelBatch.publisher_id)
    .outerjoin(SellerAuthorisation, SellerAuthorisation.id == LabelBatch.authorisation_id)
    .where(LABEL.c.code_hash == bindparam("hash", type_=LargeBinary()))
)
_COUNT_CHECK = (
    update(LABEL)
    .where(LABEL.c.id == bindparam("label_id"))
    .values(
        checks=LABEL.c.checks + 1,
        network_bits=LABEL.c.network_bits.op("|")(bindparam("bit")),
        first_checked_at=func.coalesce(LABEL.c.first_checked_at, NOW),
        last_checked_at=NOW,
    )
    .returning(
        LABEL.c.checks,
        LABEL.c.network_bits,
        LABEL.c.first_checked_at,
        LABEL.c.revoke_category,
    )
)


class _Prepared:
    """A statement compiled once per dialect and run on the DBAPI cursor directly.

    The public check is the busiest route: this skips SQLAlchemy's per-call statement
    handling (the values are converted here with the columns' own processors).
    """

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.names = list(compiled.positiontup) if compiled.positional else None
        self.fixed = {
            name: value
            for name, value in compiled.construct_params(_check=False).items()
            if value is not None  # the literals of the statement, such as the 1 of checks + 1
        }
        moment = UTCDateTime().dialect_impl(dialect)
        to_db = moment.bind_processor(dialect)
        self.to_db = {"now": to_db} if to_db and "now" in compiled.binds else {}
        from_db = moment.result_processor(dialect, None)
        self.from_db = from_db or (lambda value: value)

    def run(self, cursor, values: dict):
        """Execute with `values` and return the first row (or None)."""
        values = {**self.fixed, **values}
        for name, convert in self.to_db.items():
            values[name] = convert(values[name])
        if self.names is not None:
            cursor.execute(self.sql, tuple([values[name] for name in self.names]))
        else:
            cursor.execute(self.sql, values)
        return cursor.fetchone()


_PREPARED: dict[str, tuple[_Prepared, _Prepared]] = {}


def _prepared(dialect) -> tuple[_Prepared, _Prepared]:
    found = _PREPARED.get(dialect.name)
    if found is None:
        found = _PREPARED[dialect.name] = (
            _Prepared(_FIND, dialect),
            _Prepared(_COUNT_CHECK, dialect),
        )
    return found


@dataclass(frozen=True)
class Verdict:
    """What a reader is told about a code."""

    status: str  # genuine, revoked or unknown
    typo_suspected: bool = False
    title: str | None = None
    isbn: str | None = None
    publisher: str | None = None
    publisher_en: str | None = None
    seller: str | None = None
    first_checked_at: datetime | None = None
    checks: int = 0
    networks: int = 0
    revoke_category: str | None = None
    clone_suspected: bool = False

    def publisher_name(self, language: str) -> str | None:
        """Return the publisher's name in the reader's language when it has one."""
        return self.publisher_en if language == "en" and self.publisher_en else self.publisher


class LabelChecks:
    """Answer label checks on a database connection of each thread's own, in autocommit.

    No ORM session and no transaction around the request: one read finds the label and its
    batch, then one UPDATE by the row's id counts the check, each its own transaction (so
    SQLite's write lock is held only while the update runs).
    """

    def __init__(self, engine, config):
        self.engine = engine
        self.config = config
        self.key = label_key(config)
        self._local = threading.local()
        # Where a check gets its DBAPI connection; the tests point it at their transaction.
        self.connect = self.own_connection
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        self.sqlite_file = path if path and path != ":memory:" else None
        # On an SQLite file, the counting writes of every worker queue on one lock, and the
        # log is copied into the file by a thread, never inside a check.
        self.writers = WriterQueue(path) if self.sqlite_file else None
        self.checkpointer = Checkpointer(engine) if self.sqlite_file else None

    def own_connection(self):
        """Return this thread's connection, opened on first use (again after a fork)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # none yet, or inherited by a fork
            connection = self.engine.raw_connection()
            connection.detach()  # ours for good: never reset or handed back to the pool
            if self.engine.dialect.name != "sqlite":  # pysqlite is in autocommit already
                connection.dbapi_connection.autocommit = True
                # A check count may lag a crash by a moment; a reader never waits for a flush.
                connection.dbapi_connection.execute("SET synchronous_commit TO off")
            elif self.checkpointer:
                connection.dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")
                self.checkpointer.start()
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def _forget_connection(self) -> None:
        connection, self._local.pid = getattr(self._local, "connection", None), None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def verify(self, code_text: str, address: str | None) -> Verdict:
        """Check a typed or scanned code, count the check, and say what the reader should know.

        Malformed, mistyped and unknown codes get one answer; a wrong check symbol adds the
        hint to look for typing mistakes.
        """
        parsed = labels.parse(code_text)
        if not parsed.valid:
            log.info("label check %s: malformed", fingerprint(code_text or ""))
            return Verdict(UNKNOWN, typo_suspected=parsed.normalised is not None)
        now = utcnow()
        try:
            connection = self.connect()
            find, count_check = _prepared(self.engine.dialect)
            cursor = connection.cursor()
            try:
                found = find.run(cursor, {"hash": labels.code_hash(self.key, parsed.normalised)})
                counted = None
                if found:
                    with self.writers.held() if self.writers else contextlib.nullcontext():
                        counted = count_check.run(
                            cursor,
                            {
                                "label_id": found[0],
                                "bit": labels.network_bit(self.key, address),
                                "now": now,
                            },
                        )
            finally:
                cursor.close()
        except Exception:
            self._forget_connection()  # a broken connection is not used twice
            raise
        if not counted:
            log.info("label check %s: unknown", fingerprint(parsed.normalised))
            return Verdict(UNKNOWN)
        _label_id, status, batch_category, title, isbn, publisher, publisher_en, merchant = found
        checks, bits, first_checked_at, label_category = counted
        first_checked_at = count_check.from_db(first_checked_at)
        networks = labels.distinct_networks(bits)
        common = {
            "title": title,
            "isbn": isbn,
            "publisher": publisher,
            "publisher_en": publisher_en,
            "seller": merchant or publisher,
            "first_checked_at": first_checked_at or now,
            "checks": checks,
            "networks": networks,
        }
        if status == BatchStatus.REVOKED or label_category:
            log.info("label check %s: revoked", fingerprint(parsed.normalised))
            return Verdict(REVOKED, revoke_category=label_category or batch_category, **common)
        config = self.config
        clone = checks > config["LABEL_CLONE_CHECKS"] or networks >= config["LABEL_CLONE_NETWORKS"]
        if clone:
            log.info(
                "label check %s: %s checks, copy suspected", fingerprint(parsed.normalised), checks
            )
        return Verdict(GENUINE, clone_suspected=clone, **common)


def label_checks() -> LabelChecks:
    """Return the app's label checker."""
    return current_app.extensions["label_checks"]
