"""Public verification of a label: one indexed row read, the check tallied, clone warnings."""

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import LargeBinary, bindparam, select

from alliance.catalogue.models import Title
from alliance.db import UTCDateTime, utcnow
from alliance.members.models import Organisation
from authenticity import labels
from authenticity.check_tally import CheckTally
from authenticity.logs import fingerprint
from authenticity.models import BatchStatus, Label, LabelBatch, SellerAuthorisation
from authenticity.services import label_key

log = logging.getLogger(__name__)
GENUINE = "genuine"
REVOKED = "revoked"
UNKNOWN = "unknown"

LABEL = Label.__table__
# A check reads one row: the label (found by the index of code hashes) with its batch.
_FIND = (
    select(
        LABEL.c.id,
        LABEL.c.checks,
        LABEL.c.network_bits,
        LABEL.c.first_checked_at,
        LABEL.c.revoke_category,
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
# The tallied checks of many labels are added in one statement (VALUES names its columns
# column1 to column5 on both databases); the earliest first and the latest last check win.
_ADD_CHECKS = """UPDATE label SET
    checks = label.checks + v.column2,
    network_bits = label.network_bits | v.column3,
    first_checked_at = CASE WHEN label.first_checked_at IS NULL
        OR v.column4 < label.first_checked_at THEN v.column4 ELSE label.first_checked_at END,
    last_checked_at = CASE WHEN label.last_checked_at IS NULL
        OR v.column5 > label.last_checked_at THEN v.column5 ELSE label.last_checked_at END
FROM (VALUES {rows}) AS v WHERE label.id = v.column1"""


class _Statements:
    """The check's SQL for one dialect, run on the DBAPI cursor directly.

    The public check is the busiest route: this skips SQLAlchemy's per-call statement
    handling (datetimes are converted here with the column type's own processors).
    """

    def __init__(self, dialect):
        compiled = _FIND.compile(dialect=dialect)
        self.find_sql = compiled.string
        self.find_positional = compiled.positional
        moment = UTCDateTime().dialect_impl(dialect)
        self.to_db = moment.bind_processor(dialect) or (lambda value: value)
        self.from_db = moment.result_processor(dialect, None) or (lambda value: value)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.row_marks = f"({mark}, {mark}, {mark}, {mark}, {mark})"

    def find(self, cursor, code_hash: bytes):
        """Return the label's row (or None)."""
        cursor.execute(self.find_sql, (code_hash,) if self.find_positional else {"hash": code_hash})
        return cursor.fetchone()

    def add_checks(self, cursor, rows) -> None:
        """Add the tallied checks `rows` (label id, checks, bits, first, last) to the labels."""
        to_db = self.to_db
        values = []
        for label_id, checks, bits, first, last in rows:
            values += (label_id, checks, bits, to_db(first), to_db(last))
        cursor.execute(_ADD_CHECKS.format(rows=", ".join([self.row_marks] * len(rows))), values)


_STATEMENTS: dict[str, _Statements] = {}


def _statements(dialect) -> _Statements:
    found = _STATEMENTS.get(dialect.name)
    if found is None:
        found = _STATEMENTS[dialect.name] = _Statements(dialect)
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
    batch, and the check is added to this process's tally (authenticity/check_tally.py),
    which a thread writes in batches.
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
        self.tally = CheckTally(
            self._add_checks,
            every=config["LABEL_CHECK_WRITE_SECONDS"],
            tidy=self._checkpoint if self.sqlite_file else None,
        )

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
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def _forget_connection(self) -> None:
        connection, self._local.pid = getattr(self._local, "connection", None), None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    @contextlib.contextmanager
    def _cursor(self):
        """A cursor on this thread's connection; a connection that failed is not used twice."""
        try:
            cursor = self.connect().cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        except Exception:
            self._forget_connection()
            raise

    def _add_checks(self, rows) -> None:
        with self._cursor() as cursor:
            _statements(self.engine.dialect).add_checks(cursor, rows)

    def _checkpoint(self) -> None:
        """Copy the log into the database file from the writer thread, not inside a check."""
        with self._cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint = 0")  # the writes never do it themselves
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

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
        statements = _statements(self.engine.dialect)
        code_hash = labels.code_hash(self.key, parsed.normalised)
        with self.tally.counting() as tally:
            with self._cursor() as cursor:
                found = statements.find(cursor, code_hash)
                while found and not tally.settled(found[0]):
                    found = statements.find(cursor, code_hash)
            if found:
                pending = tally.add(found[0], labels.network_bit(self.key, address), now)
                checks, bits = found[1] + pending.checks, found[2] | pending.bits
                stored_first = statements.from_db(found[3])
                first_checked_at = min(stored_first or pending.first, pending.first)
        if not found:
            log.info("label check %s: unknown", fingerprint(parsed.normalised))
            return Verdict(UNKNOWN)
        label_category, status, batch_category = found[4:7]
        title, isbn, publisher, publisher_en, merchant = found[7:]
        networks = labels.distinct_networks(bits)
        common = {
            "title": title,
            "isbn": isbn,
            "publisher": publisher,
            "publisher_en": publisher_en,
            "seller": merchant or publisher,
            "first_checked_at": first_checked_at,
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
