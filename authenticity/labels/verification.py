"""Public verification of a label: one indexed row read, the check tallied, clone warnings."""

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import LargeBinary, bindparam, select

from alliance.catalogue.models import Title
from alliance.db import UTCDateTime, utcnow
from alliance.members.models import Organisation
from authenticity.labels import codes
from authenticity.labels.check_tally import CheckTally
from authenticity.labels.logs import fingerprint
from authenticity.labels.models import BatchStatus, Label, LabelBatch
from authenticity.labels.services import label_key
from authenticity.sellers.models import SellerAuthorisation

log = logging.getLogger(__name__)
GENUINE = "genuine"
REVOKED = "revoked"
UNKNOWN = "unknown"
OPEN_ATTEMPTS = 5  # pooled connections tried when a thread opens its own
MIN_READING_NETWORKS = 2  # readings alone warn only when they come from this many networks

LABEL = Label.__table__
# A check reads one row: the label (found by the index of code hashes) with its batch.
_FIND = (
    select(
        LABEL.c.id,
        LABEL.c.checks,
        LABEL.c.network_bits,
        LABEL.c.first_checked_at,
        LABEL.c.revoke_category,
        LABEL.c.readings,
        LABEL.c.reading_day,
        LABEL.c.reading_day_bits,
        LabelBatch.status,
        LabelBatch.revoke_category,
        Title.title,
        Title.isbn,
        Organisation.name,
        Organisation.name_en,
        SellerAuthorisation.merchant_name,
        SellerAuthorisation.revoked_at.is_(None),
        SellerAuthorisation.valid_until,
    )
    .join(LabelBatch, LabelBatch.id == LABEL.c.batch_id)
    .join(Title, Title.id == LabelBatch.title_id)
    .join(Organisation, Organisation.id == LabelBatch.publisher_id)
    .outerjoin(SellerAuthorisation, SellerAuthorisation.id == LabelBatch.authorisation_id)
    .where(LABEL.c.code_hash == bindparam("hash", type_=LargeBinary()))
)
# The tallied checks of many labels are added in one statement, from rows named column1 to
# column8 (VALUES names them so on both databases; PostgreSQL takes each column as one array
# instead: one statement, prepared once, whatever the number of rows, and 8 values to adapt
# rather than 8 a row). The earliest first and the latest last check win.
# Readings: the networks of the row's day not seen that day yet (v.column7 less the stored
# bits) are counted (31 one-bit terms: neither database has a portable bit count), plus the
# readings of earlier days (v.column8); a later day starts the day's bits afresh.
_NEW_TODAY = "(CASE WHEN label.reading_day = v.column6 THEN v.column7 & ~label.reading_day_bits ELSE v.column7 END)"  # noqa: E501
_LATER_DAY = "label.reading_day IS NULL OR label.reading_day < v.column6"
_ADD_CHECKS = (
    """UPDATE label SET
    checks = label.checks + v.column2,
    network_bits = label.network_bits | v.column3,
    first_checked_at = CASE WHEN label.first_checked_at IS NULL
        OR v.column4 < label.first_checked_at THEN v.column4 ELSE label.first_checked_at END,
    last_checked_at = CASE WHEN label.last_checked_at IS NULL
        OR v.column5 > label.last_checked_at THEN v.column5 ELSE label.last_checked_at END,
    readings = label.readings + v.column8 + """
    + " + ".join(f"(({_NEW_TODAY} >> {bit}) & 1)" for bit in range(codes.NETWORK_BITS))
    + f""",
    reading_day_bits = CASE WHEN label.reading_day = v.column6
        THEN label.reading_day_bits | v.column7
        WHEN {_LATER_DAY} THEN v.column7 ELSE label.reading_day_bits END,
    reading_day = CASE WHEN {_LATER_DAY} THEN v.column6 ELSE label.reading_day END
FROM {{rows}} WHERE label.id = v.column1"""
)
_ARRAYS = (
    "unnest(%s::bigint[], %s::int[], %s::int[], %s::timestamptz[], %s::timestamptz[], "
    "%s::int[], %s::int[], %s::int[]) AS v(column1, column2, column3, column4, column5, "
    "column6, column7, column8)"
)


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
        self.arrays = dialect.name == "postgresql"
        self.arrays_sql = _ADD_CHECKS.format(rows=_ARRAYS)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.row_marks = "(" + ", ".join([mark] * 8) + ")"

    def find(self, cursor, code_hash: bytes):
        """Return the label's row (or None)."""
        cursor.execute(self.find_sql, (code_hash,) if self.find_positional else {"hash": code_hash})
        return cursor.fetchone()

    def add_checks(self, cursor, rows) -> None:
        """Add the tallied checks `rows` (see CheckTally) to the labels."""
        if not rows:
            return
        to_db = self.to_db
        rows = [
            (label_id, checks, bits, to_db(first), to_db(last), day, day_bits, closed)
            for label_id, checks, bits, first, last, day, day_bits, closed in rows
        ]
        if self.arrays:
            cursor.execute(self.arrays_sql, [list(column) for column in zip(*rows, strict=True)])
            return
        marks = ", ".join([self.row_marks] * len(rows))
        values = [value for row in rows for value in row]
        cursor.execute(_ADD_CHECKS.format(rows=f"(VALUES {marks}) AS v"), values)


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
    readings: int = 0
    revoke_category: str | None = None
    clone_suspected: bool = False
    # False when the publisher revoked the seller's authorisation or it ended: the copy may
    # still be genuine (sold before), but the seller is no longer authorised.
    seller_authorised: bool = True

    def publisher_name(self, language: str) -> str | None:
        """Return the publisher's name in the reader's language when it has one."""
        return self.publisher_en if language == "en" and self.publisher_en else self.publisher


class LabelChecks:
    """Answer label checks on a database connection of each thread's own, in autocommit.

    No ORM session and no transaction around the request: one read finds the label and its
    batch, and the check is added to this process's tally (authenticity/labels/check_tally.py),
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
            local.connection, local.pid = self._open_connection(), os.getpid()
        return local.connection

    def _open_connection(self):
        """Take a connection from the engine for good, skipping any the server dropped."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            connection = self.engine.raw_connection()
            try:
                if self.engine.dialect.name == "sqlite":  # pysqlite is in autocommit already
                    connection.dbapi_connection.execute("SELECT 1")
                else:
                    connection.dbapi_connection.autocommit = True
                    # A count may lag a crash by a moment; a reader never waits for a flush.
                    connection.dbapi_connection.execute("SET synchronous_commit TO off")
            except Exception as error:  # an idle pooled connection the server ended meanwhile
                lost = self._lost(error, connection)
                connection.invalidate()  # closed, and never handed out again
                if not lost or attempt == OPEN_ATTEMPTS:
                    raise
                continue
            connection.detach()  # ours for good: never reset or handed back to the pool
            return connection
        raise AssertionError("unreachable")

    def _cursor(self):
        """Return this thread's cursor on the check's connection (kept: a new one costs as
        much as the query, since the driver sets up each result's column readers again)."""
        connection, local = self.connect(), self._local
        if getattr(local, "cursor_of", None) is not connection:
            local.cursor, local.cursor_of = connection.cursor(), connection
        return local.cursor

    def _forget_connection(self) -> None:
        connection, self._local.pid = getattr(self._local, "connection", None), None
        self._local.cursor_of = None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def _run(self, work):
        """Return work(cursor) on this thread's connection, connecting again once if it was lost.

        A connection the server dropped (a restart, pg_terminate_backend) fails its next
        statement: it is closed and forgotten, and the work runs once more on a new one.
        Any other failure, or a second one, is raised (a connection that failed is not kept).
        """
        for attempt in (1, 2):
            cursor = None
            try:
                cursor = self._cursor()
                return work(cursor)
            except Exception as error:
                lost = self._lost(error, None if cursor is None else cursor.connection)
                self._forget_connection()
                if not lost or attempt == 2:
                    raise
                log.warning("label checks: the database connection was lost; connecting again")
        raise AssertionError("unreachable")

    def _lost(self, error: Exception, connection) -> bool:
        """Tell whether `error` says the database connection is gone (not a failed statement)."""
        dialect = self.engine.dialect
        if connection is None or not isinstance(error, dialect.loaded_dbapi.Error):
            return False
        dbapi_connection = getattr(connection, "dbapi_connection", connection)
        with contextlib.suppress(Exception):
            return bool(dialect.is_disconnect(error, dbapi_connection, None))
        return False

    def _add_checks(self, rows) -> None:
        statements = _statements(self.engine.dialect)
        self._run(lambda cursor: statements.add_checks(cursor, rows))

    def _checkpoint(self) -> None:
        """Copy the log into the database file from the writer thread, not inside a check."""

        def checkpoint(cursor):
            cursor.execute("PRAGMA wal_autocheckpoint = 0")  # the writes never do it themselves
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

        self._run(checkpoint)

    def verify(self, code_text: str, address: str | None) -> Verdict:
        """Check a typed or scanned code, count the check, and say what the reader should know.

        Malformed, mistyped and unknown codes get one answer; a wrong check symbol adds the
        hint to look for typing mistakes. A label of a batch still being written is unknown.
        """
        parsed = codes.parse(code_text)
        if not parsed.valid:
            log.info("label check %s: malformed", fingerprint(code_text or ""))
            return Verdict(UNKNOWN, typo_suspected=parsed.normalised is not None)
        now = utcnow()
        statements = _statements(self.engine.dialect)
        code_hash = codes.code_hash(self.key, parsed.normalised)
        with self.tally.counting() as tally:

            def find(cursor):
                found = statements.find(cursor, code_hash)
                while found and not tally.settled(found[0]):
                    found = statements.find(cursor, code_hash)
                return found

            found = self._run(find)
            if found and found[8] == BatchStatus.WRITING:
                found = None
            if found:
                stored_day, stored_day_bits = found[6], found[7]
                bit = codes.network_bit(self.key, address)
                day = codes.reading_day(now)
                pending = tally.add(found[0], bit, now, day, (stored_day, stored_day_bits))
                checks, bits = found[1] + pending.checks, found[2] | pending.bits
                readings = found[5] + pending.readings(stored_day, stored_day_bits)
                stored_first = statements.from_db(found[3])
                first_checked_at = min(stored_first or pending.first, pending.first)
        if not found:
            log.info("label check %s: unknown", fingerprint(parsed.normalised))
            return Verdict(UNKNOWN)
        label_category, status, batch_category = found[4], found[8], found[9]
        title, isbn, publisher, publisher_en, merchant, in_force, valid_until = found[10:]
        networks = codes.distinct_networks(bits)
        common = {
            "seller_authorised": merchant is None or _still_authorised(in_force, valid_until, now),
            "title": title,
            "isbn": isbn,
            "publisher": publisher,
            "publisher_en": publisher_en,
            "seller": merchant or publisher,
            "first_checked_at": first_checked_at,
            "checks": checks,
            "networks": networks,
            "readings": readings,
        }
        if status == BatchStatus.REVOKED or label_category:
            log.info("label check %s: revoked", fingerprint(parsed.normalised))
            return Verdict(REVOKED, revoke_category=label_category or batch_category, **common)
        clone = copy_suspected(self.config, readings, networks)
        if clone:
            log.info(
                "label check %s: %s readings from %s networks, copy suspected",
                fingerprint(parsed.normalised), readings, networks,
            )  # fmt: skip
        return Verdict(GENUINE, clone_suspected=clone, **common)


def _still_authorised(in_force, valid_until, now: datetime) -> bool:
    """Tell whether a seller's authorisation is neither revoked nor ended (China's day)."""
    if not in_force:
        return False
    if valid_until is None:
        return True
    if isinstance(valid_until, str):  # SQLite's driver hands dates over as text
        valid_until = date.fromisoformat(valid_until)
    return codes.reading_day(now) <= valid_until.toordinal()


def copy_suspected(config, readings: int, networks: int) -> bool:
    """Tell whether a label's checks look like copies spread among many readers.

    Readings count a network once a day, so one client checking again and again is one
    reader: it never brands a label alone. Many networks warn at once, and readings past
    LABEL_CLONE_CHECKS warn once they come from more than one network (copies sold to
    customers behind a few shared addresses, checking over several days).
    """
    return networks >= config["LABEL_CLONE_NETWORKS"] or (
        readings > config["LABEL_CLONE_CHECKS"] and networks >= MIN_READING_NETWORKS
    )


def label_checks() -> LabelChecks:
    """Return the app's label checker."""
    return current_app.extensions["label_checks"]
