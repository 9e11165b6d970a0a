"""Tabular files: formula-safe CSV and XLSX downloads, import problem reports, cell checks."""

import csv
import io
import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Response, has_request_context, stream_with_context
from flask_babel import to_user_timezone

from alliance.cleaning import (
    MAX_INTEGER,
    MAX_LINE,
    MAX_TEXT,
    REFUSED_IN_LINE,
    REFUSED_IN_TEXT,
    TextRefused,
    clean_text,
    read_whole_number,
)
from alliance.errors import DomainError
from alliance.i18n import DEFAULT_TIMEZONE, _l

# The control characters an XLSX cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
EXCEL_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_MAX_TEXT = 32_767  # characters in one cell; Excel calls a longer cell corrupt
EXCEL_EXACT_DIGITS = 15  # Excel keeps 15 significant digits: longer integers go as text
SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
# A plain number such as -50.00 starts with "-" but is no formula: it stays a number.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def neutralise(value) -> str:
    """Return a cell as text that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """Yield CSV text: a BOM (so Excel reads UTF-8 Chinese), the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """Stream rows as a CSV download."""
    response = Response(
        stream_with_context(csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = attachment_header(filename)
    return response


def attachment_header(filename: str) -> str:
    """Return a Content-Disposition value for a download, with an RFC 5987 name if not ASCII."""
    cleaned = "".join(ch for ch in filename if ch.isprintable()).replace('"', "'")
    cleaned = cleaned.replace("\\", "_")
    ascii_name = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode()
    if ascii_name == cleaned:
        return f'attachment; filename="{cleaned}"'
    return (
        f'attachment; filename="{ascii_name or "download"}"; '
        f"filename*=UTF-8''{quote(cleaned, safe='')}"
    )


def xlsx_cell(value):
    """Return a value as openpyxl should write it: numbers and dates as such, text neutralised."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) < 10**EXCEL_EXACT_DIGITS:
            return value
    elif isinstance(value, float | Decimal):
        if value.is_finite() if isinstance(value, Decimal) else math.isfinite(value):
            return value
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            return value
        # Excel has no time zones: write the wall-clock time the user would see on the page
        local = (
            to_user_timezone(value)
            if has_request_context()
            else value.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
        )
        return local.replace(tzinfo=None)
    elif isinstance(value, date):
        return value
    text = EXCEL_ILLEGAL.sub("", str(value))
    return neutralise(text)[:EXCEL_MAX_TEXT]


def xlsx_bytes(header: list[str], rows: Iterable[Iterable], sheet_title: str = "Sheet1") -> bytes:
    """Write a header and rows as an XLSX workbook of one sheet, formula-safe."""
    from openpyxl import Workbook  # here: it takes a tenth of a second to import

    workbook = Workbook(write_only=True)
    title = sheet_title.translate(SHEET_TITLE_FORBIDDEN).strip("'")[:31] or "Sheet1"
    sheet = workbook.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(str(cell)) for cell in header])
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """Send rows as an XLSX download."""
    response = Response(xlsx_bytes(header, rows), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = attachment_header(filename)
    return response


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an uploaded file; row and column are None for the file as a whole."""

    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        """Return the problem as JSON-ready data."""
        return {"row": self.row, "column": self.column, "problem": str(self.message)}


def column_spellings(spellings: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split a column's accepted headers into Latin and Chinese ones, shortest first."""
    ordered = sorted(spellings, key=lambda text: (len(text), text))
    return [text for text in ordered if text.isascii()], [t for t in ordered if not t.isascii()]


def missing_columns(found: Iterable[str], columns: dict[str, set[str]], required) -> list[Problem]:
    """Return a problem for each required column the file lacks, naming headers it may use."""
    found = set(found)
    problems = []
    for column in required:
        if column not in found:
            latin, chinese = column_spellings(columns[column])
            message = _l(
                "The file has no %(column)s column: name one column %(names)s.",
                column=column,
                names=" / ".join([*latin[:2], *chinese[:2]]),
            )
            problems.append(Problem(None, column, str(message)))
    return problems


def import_columns(columns: dict[str, set[str]], required, help_texts: dict) -> list[dict]:
    """Describe an import's columns for its page: headers by script, required, a hint."""
    described = []
    for name, spellings in columns.items():
        latin, chinese = column_spellings(spellings)
        described.append(
            {
                "name": name,
                "latin": latin,
                "chinese": chinese,
                "required": name in required,
                "help": help_texts.get(name, ""),
            }
        )
    return described


class ImportRejected(DomainError):
    """An import found problems in the file and wrote nothing."""

    status = 422
    problem = "import-rejected"

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(
            _l("The file has %(n)s problems; nothing was imported.", n=len(self.problems)),
            problems=[problem.as_dict() for problem in self.problems],
        )


def refuse_bad_cells(table, multiline: Collection[str] = ()) -> None:
    """Raise ImportRejected listing each cell of a read Table that breaks the input rule.

    A column is scanned once as a whole; only a column where something is found is read
    cell by cell, so that a large clean file costs little.
    """
    problems = []
    for name, cells in table.columns.items():
        if name not in table.columns_found or not _breaks_rule(cells, name in multiline):
            continue
        for number, cell in zip(table.numbers, cells, strict=True):
            try:
                clean_text(cell, multiline=name in multiline)
            except TextRefused as error:
                column = table.headers.get(name, name)
                problems.append(Problem(number, column, str(error.message)))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda problem: problem.row))


def _breaks_rule(cells: list[str], multiline: bool) -> bool:
    """Tell whether any cell of a column may break the input rule (one scan of the column)."""
    joined = "".join(cells)
    limit = MAX_TEXT if multiline else MAX_LINE
    if len(joined) > limit and max(map(len, cells)) > limit:
        return True
    if joined.isprintable():  # no control, format, separator, surrogate or unassigned at all
        return False
    return (REFUSED_IN_TEXT if multiline else REFUSED_IN_LINE).search(joined) is not None


def problems_csv(problems: Iterable[Problem]) -> str:
    """Return the problems as CSV text (row, column, problem) for the user to download."""
    rows = (("" if p.row is None else p.row, p.column or "", str(p.message)) for p in problems)
    return "".join(csv_lines(["row", "column", "problem"], rows))


def parse_int_cell(text: str | int) -> int:
    """Read a whole number as publishers type it ('1,200', '１２００', '1200.0'), INTEGER-sized."""
    return read_whole_number(text, minimum=-MAX_INTEGER, maximum=MAX_INTEGER)
