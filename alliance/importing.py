"""The one import driver: every spreadsheet upload is read, checked whole, written all or none.

An import declares an `ImportSpec` (its columns, the required ones, its audit action) and
gives `run_import` two functions: `check(table, found)`, which reads the rows and notes each
problem in `found` (named by the user's own header), and `write(plan)`, which writes what
`check` returned. The driver reads the table (CSV in UTF-8/GB18030/UTF-16, or XLSX; Chinese
or English headers), refuses missing columns, stops with every problem before anything is
written, and audits what was written. A rejected file's problems are kept as a report the
user downloads (`save_report`).
"""

import dataclasses
import gc
import hashlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from alliance import audit
from alliance.db import UTCDateTime, utcnow
from alliance.errors import FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.spreadsheets import Table, read_table
from alliance.tabular import ImportRejected, Problem, missing_columns

REPORT_DAYS = 30  # how long a rejected import's report stays downloadable


class ImportReport(db.Model):
    """The problems a rejected spreadsheet import found, kept for the importer to download."""

    __tablename__ = "import_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    problems: Mapped[list] = mapped_column(JSON)  # [{"row", "column", "problem"}, ...]


@dataclass(frozen=True)
class ImportSpec:
    """What the driver needs to know of one kind of import."""

    action: str  # the audit action, e.g. "title.import"
    columns: dict[str, set[str]]  # canonical column -> the header spellings accepted
    required: tuple[str, ...]
    multiline: tuple[str, ...] = ()  # columns whose cells may hold line breaks
    max_rows: int = 200_000
    field_columns: Mapping[str, str] = field(default_factory=dict)  # a rule's field -> column


class Found:
    """The problems found in a file so far, each named by the user's own header."""

    def __init__(self, spec: ImportSpec, table: Table):
        self.spec = spec
        self.table = table
        self.problems: list[Problem] = []
        self._first_rows: dict[Hashable, int] = {}

    def column(self, name: str) -> str:
        """Name a column (or a rule's field) as the user's file does."""
        name = self.spec.field_columns.get(name, name)
        return self.table.headers.get(name, name)

    def refuse(self, row: int, name: str, message) -> None:
        """Note a problem with one cell."""
        self.problems.append(Problem(row, self.column(name), str(message)))

    def refuse_fields(self, row: int, invalid: FieldsInvalid) -> None:
        """Note each problem a rule found with a row, at the column of its field."""
        for name, message in invalid.problems.items():
            self.refuse(row, name or "", message)

    def repeated(self, key: Hashable, row: int) -> int | None:
        """Return the row that first held `key` when `row` holds it again (else None)."""
        first = self._first_rows.setdefault(key, row)
        return first if first != row else None


def run_import(
    spec: ImportSpec,
    actor,
    subject,
    data: bytes,
    filename: str,
    check: Callable[[Table, Found], object],
    write: Callable[[object, Table], object],
):
    """Read and check a whole file, then write it all or nothing; audit it and return the result.

    Raises SpreadsheetError when the file cannot be read as a table, and ImportRejected with
    every problem (row, the user's header, message) when any row is bad, having written
    nothing. The result is a dataclass; its counts go into the audit event on `subject`.
    """
    with collector_paused():
        table = read_table(
            data, filename, spec.columns, max_rows=spec.max_rows, multiline=spec.multiline
        )
        missing = missing_columns(table.columns_found, spec.columns, spec.required)
        if missing:
            raise ImportRejected(missing)
        found = Found(spec, table)
        plan = check(table, found)
        if found.problems:
            raise ImportRejected(sorted(found.problems, key=lambda problem: problem.row or 0))
        result = write(plan, table)
    counts = {
        name: value
        for name, value in dataclasses.asdict(result).items()
        if isinstance(value, int) and not isinstance(value, bool)
    }
    state = {"filename": filename[:255], "sha256": hashlib.sha256(data).hexdigest(), **counts}
    audit.record(actor, spec.action, subject, None, state)
    db.session.flush()
    return result


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector for a while, then let it run again.

    A large import makes millions of objects (cells, rows, values), all freed by reference
    counting; meanwhile the collector would walk every object of the process again and
    again, which costs more than reading the file. Nothing is collected later than it
    would be otherwise: the next collection comes as soon as the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def save_report(user, filename: str, problems: Sequence[Problem]) -> ImportReport:
    """Keep a rejected import's problems for the user to download; drop their old reports."""
    db.session.execute(
        delete(ImportReport).where(
            ImportReport.user_id == user.id,
            ImportReport.created_at < utcnow() - timedelta(days=REPORT_DAYS),
        )
    )
    report = ImportReport(
        user_id=user.id,
        filename=filename[:255],
        problems=[problem.as_dict() for problem in problems],
    )
    db.session.add(report)
    db.session.flush()
    return report


def own_report(user, report_id: int) -> ImportReport:
    """Return one of the user's import reports; anyone else's is not found."""
    report = db.session.get(ImportReport, report_id)
    if report is None or report.user_id != user.id:
        raise NotFoundError(_l("No such import report."))
    return report


def report_problems(report: ImportReport) -> list[Problem]:
    """Return a stored report's problems."""
    return [Problem(item["row"], item["column"], item["problem"]) for item in report.problems]
