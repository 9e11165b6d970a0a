"""Spreadsheet import: read CSV and XLSX uploads into rows by column, and report problems."""

import codecs
import csv
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from itertools import islice
from operator import itemgetter

from alliance.errors import DomainError
from alliance.i18n import _l
from alliance.plaincsv import plain_columns, plain_lines
from alliance.tabular import refuse_bad_cells

log = logging.getLogger(__name__)

WRONG_TYPE = _l("Upload a CSV or Excel (.xlsx) file. Old .xls files: save them as .xlsx first.")
EMPTY = _l("The file is empty.")
NO_ROWS = _l("The file has a header row but no rows under it.")
CORRUPT_XLSX = _l("This Excel file cannot be read; it may be damaged. Save it again and retry.")
XML_FORBIDDEN = _l("This file contains XML that is not allowed.")
TOO_BIG_XLSX = _l("This Excel file unpacks to too much data; split it into smaller files.")
BAD_TEXT = _l("The text of this file cannot be read. Save it as “CSV UTF-8” and upload it again.")
BAD_CSV = _l("This CSV file cannot be read: check that every quote is closed and save it again.")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and also password-protected .xlsx
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECK_FROM = 1024 * 1024  # smaller members cannot do harm whatever their ratio
EXCEL_MAX_ROWS = 1_048_576
MAX_COLUMNS = 1024  # where the header is looked for; Excel allows 16,384
HEADER_SEARCH_ROWS = 10  # non-blank rows (titles, notes) that may sit above the header
# Multibyte East Asian guesses: on short Chinese files charset-normalizer often says cp949 or
# big5 for what is GBK, and mainland exports are GBK; gb18030 is its superset.
EAST_ASIAN = re.compile(r"^(gb|big5|cp9[345]|euc|shift_jis|hz|iso2022|johab|ksc)")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
BRACKETED_TAIL = re.compile(r"\s*[(\[{<《【〔][^()\[\]{}<>《》【】〔〕]*[)\]}>》】〕]$")
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MARKUP_STARTS = ("<html", "<!doctype", "<table", "<?xml", "<head", "<meta", "<body")


class SpreadsheetError(DomainError):
    """An uploaded spreadsheet cannot be read as a table."""

    status = 422
    problem = "invalid-spreadsheet"


class _NoTable(SpreadsheetError):
    """No header row (or nothing at all) in one sheet: another sheet may still have it."""


@dataclass(frozen=True)
class Row:
    """One data row: its number as the spreadsheet shows it, and its text by column."""

    number: int
    values: dict[str, str]


@dataclass
class Table:
    """The rows of an uploaded file under canonical column names, held column by column.

    `columns` has every canonical name asked for, with "" in each row where the file has
    no such column; `numbers` gives each row's number as the spreadsheet shows it.
    """

    numbers: list[int]
    columns: dict[str, list[str]]
    columns_found: set[str]
    ignored_columns: list[str]
    encoding: str
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> header as written

    def __len__(self) -> int:
        """Return the number of rows."""
        return len(self.numbers)

    def values(self, index: int) -> dict[str, str]:
        """Return the text of the row at `index` by column."""
        return {name: cells[index] for name, cells in self.columns.items()}

    @cached_property
    def rows(self) -> list[Row]:
        """Return the rows one by one."""
        return [Row(number, self.values(index)) for index, number in enumerate(self.numbers)]


def normalise_header(text: str) -> str:
    """Reduce a header to its bare name: '定价（元）*' -> '定价', ' Price (CNY) ' -> 'price'."""
    name = unicodedata.normalize("NFKC", text).strip().strip("*").strip()
    bare = BRACKETED_TAIL.sub("", name)
    if bare.strip("* "):
        name = bare
    kept = (ch for ch in name if not unicodedata.category(ch).startswith(("P", "Z", "C")))
    return "".join(kept).casefold()


def read_table(
    data: bytes,
    filename: str,
    columns: dict[str, set[str]],
    *,
    max_rows: int = 200_000,
    multiline: Collection[str] = (),
) -> Table:
    """Read an uploaded CSV or XLSX file into rows under the canonical column names.

    Every cell is checked by the input rule (line breaks and tabs only in the `multiline`
    columns); the cells that break it are reported as ImportRejected, by row and header.
    """
    table = _read_table(data, filename, columns, max_rows)
    refuse_bad_cells(table, multiline)
    return table


def _read_table(data: bytes, filename: str, columns: dict[str, set[str]], max_rows: int) -> Table:
    lookup = _spelling_lookup(columns)
    if not data.strip():
        raise SpreadsheetError(EMPTY)
    if data.startswith(OLE_MAGIC):
        raise SpreadsheetError(WRONG_TYPE)
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, filename, columns, lookup, max_rows)
    text, encoding = _decode(data)
    delimiter = _sniff_delimiter(text)
    records = enumerate(_csv_cells(text, delimiter), start=1)
    marks = "\u200b" in text or "\ufeff" in text  # looked for once, not column by column
    lines = plain_lines(text)
    plain = None if lines is None else (lines, delimiter)
    try:
        return _build_table(records, columns, lookup, max_rows, encoding, marks=marks, plain=plain)
    except _NoTable as error:
        raise SpreadsheetError(error.message) from None


def _spelling_lookup(columns: dict[str, set[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, spellings in columns.items():
        for spelling in spellings:
            key = normalise_header(spelling)
            if not key or lookup.get(key, name) != name:
                raise ValueError(f"header spelling {spelling!r} is empty or ambiguous")
            lookup[key] = name
    return lookup


def _decode(data: bytes) -> tuple[str, str]:
    """Return the text and the encoding it was read with."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return _checked_text(data.decode(encoding)), encoding
            except UnicodeDecodeError:
                raise SpreadsheetError(BAD_TEXT) from None
    try:
        return _checked_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise SpreadsheetError(WRONG_TYPE)
    from charset_normalizer import from_bytes  # here: only undeclared encodings need it

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise SpreadsheetError(WRONG_TYPE)
    guesses = [best.encoding] + [match.encoding for match in matches]
    if any(EAST_ASIAN.match(guess) for guess in guesses):
        try:
            return _checked_text(data.decode("gb18030")), "gb18030"
        except UnicodeDecodeError:
            pass
    # On a tie charset-normalizer may name cp1250 for French or German; Excel writes cp1252
    tied = {m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)}
    encoding = "cp1252" if "cp1252" in tied else best.encoding
    try:
        return _checked_text(data.decode(encoding)), encoding
    except (UnicodeDecodeError, LookupError):
        raise SpreadsheetError(BAD_TEXT) from None


def _checked_text(text: str) -> str:
    """Refuse text that is really binary data or a web page saved as .xls."""
    text = text.removeprefix("\ufeff").rstrip("\x1a")  # a DOS end-of-file mark
    controls = len(CONTROL.findall(text[:1_000_000]))
    if "\x00" in text or controls * 100 > min(len(text), 1_000_000):
        raise SpreadsheetError(WRONG_TYPE)
    if text.lstrip()[:20].lower().startswith(MARKUP_STARTS):
        raise SpreadsheetError(WRONG_TYPE)
    if not text.strip():
        raise SpreadsheetError(EMPTY)
    return text


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text[: 64 * 1024].splitlines() if line.strip()]
    sample = "\n".join(lines[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _csv_cells(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error:
        raise SpreadsheetError(BAD_CSV) from None


def _read_xlsx(data, filename, columns, lookup, max_rows) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception:  # zipfile raises many kinds on a damaged archive
        raise SpreadsheetError(CORRUPT_XLSX) from None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SpreadsheetError(WRONG_TYPE)  # a .docx, .ods or plain zip
    _refuse_zip_bomb(members, filename)
    import defusedxml
    from openpyxl import load_workbook  # here: it takes a tenth of a second to import
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:
        log.error("openpyxl does not use defusedxml; refusing to read %s", filename)
        raise SpreadsheetError(XML_FORBIDDEN)
    workbook = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            return _first_table(workbook.worksheets, columns, lookup, max_rows)
    except SpreadsheetError:
        raise
    except Exception as error:  # openpyxl raises anything from KeyError to ParseError
        if _caused_by(error, defusedxml.DefusedXmlException):  # openpyxl may wrap it
            log.warning("refused XML entities in %s", filename)
            raise SpreadsheetError(XML_FORBIDDEN) from None
        log.info("unreadable XLSX %s", filename, exc_info=True)
        raise SpreadsheetError(CORRUPT_XLSX) from None
    finally:
        if workbook is not None:
            workbook.close()


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _refuse_zip_bomb(members: list[zipfile.ZipInfo], filename: str) -> None:
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    suspicious = any(
        member.file_size > RATIO_CHECK_FROM
        and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if unpacked > RATIO_CHECK_FROM and unpacked > MAX_RATIO * max(packed, 1):
        suspicious = True
    if unpacked > MAX_UNPACKED or suspicious:
        log.warning("refused XLSX %s: %s bytes packed in %s", filename, unpacked, packed)
        raise SpreadsheetError(TOO_BIG_XLSX)


def _first_table(sheets, columns, lookup, max_rows) -> Table:
    """Read the first sheet, or the first later one with a header if it has none."""
    refusal = None
    for sheet in sheets:
        sheet.reset_dimensions()  # the stored size may be wrong, or absurdly large

        def rows_of(first_row, width, sheet=sheet):
            return _sheet_rows(sheet, first_row, width)

        try:
            return _build_table(rows_of(1, MAX_COLUMNS), columns, lookup, max_rows, "xlsx", rows_of)
        except _NoTable as error:
            if refusal is None or refusal.message is EMPTY:
                refusal = error
    raise SpreadsheetError(refusal.message if refusal else EMPTY)


def _sheet_rows(sheet, first_row: int, width: int) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cell texts) with every row cut to `width` columns.

    openpyxl hands out dense rows, one per row number: rows absent from the file are one
    shared tuple, recognised by identity, so a file claiming row 1,000,000 costs little.
    """
    blank = None
    rows = sheet.iter_rows(min_row=first_row, max_col=width, values_only=True)
    for number, values in enumerate(rows, start=first_row):
        if values is blank or values.count(None) == len(values):
            blank = values
            yield number, []
        else:
            yield number, [_cell_text(value) for value in values]


def _cell_text(value) -> str:
    """Return a cell as the text the user typed: 9787020002207.0 -> '9787020002207'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"  # Excel keeps 15 digits: 0.1+0.2 shows (and was typed) as 0.3
    if isinstance(value, datetime):
        # Excel stores times as fractions of a day: round away the floating-point dust
        value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _build_table(
    records, columns, lookup, max_rows, encoding, reopen=None, marks=None, plain=None
) -> Table:
    """Find the header among the first rows, then read the rows under it, column by column.

    `reopen(first_row, width)`, when given, restarts the rows after the header cut to its width.
    `marks` tells whether any cell may hold a zero-width space or BOM (None: not known).
    `plain`, when given, is (lines, delimiter) of a CSV text that plaincsv may cut itself.
    """
    row_limit = max(max_rows, EXCEL_MAX_ROWS)
    header_row, (positions, written, ignored, width) = _find_header(records, columns, lookup)
    if reopen is not None:
        records.close()  # that pass read rows as wide as any header could be
        records = reopen(header_row + 1, width)
    if plain is not None:
        table = _plain_table(plain, header_row, positions, width, max_rows, marks)
        if table is not None:
            numbers, cells = table
            return _table(numbers, cells, columns, positions, ignored, encoding, written)
    # Most files fit: take their rows in one go, and check the limits on what is left.
    taken = [record for record in islice(records, max_rows) if record[1]]  # [] is a blank row
    numbers = [number for number, _raw in taken]
    raws = [raw for _number, raw in taken]
    del taken
    if numbers and numbers[-1] > row_limit:  # numbers only grow
        raise _too_many_rows(max_rows)
    dropping = False  # past max_rows rows, blank rows are left out as they come
    for number, raw in records:
        if number > row_limit:
            raise _too_many_rows(max_rows)
        if not dropping:
            kept = [
                (n, r) for n, r in zip(numbers, raws, strict=True) if r and not _blank(r, width)
            ]
            numbers, raws = [n for n, _r in kept], [r for _n, r in kept]
            dropping = True
        if not raw or _blank(raw, width):  # (blank rows mostly come as empty lists)
            continue
        if len(raws) >= max_rows:
            raise _too_many_rows(max_rows)
        numbers.append(number)
        raws.append(raw)
    shortest = min(map(len, raws), default=0)
    # Every row long enough (the usual file): cut all of them into columns in one pass.
    cut = positions and shortest > max(positions.values())
    known = list(zip(*raws, strict=False)) if cut else None  # (zip stops at the shortest)
    cells = {
        name: _column_cells(raws, index, shortest, known[index] if known else None, marks)
        for name, index in positions.items()
    }
    del known
    numbers, cells = _without_blank_rows(numbers, cells, raws.__getitem__, width)
    del raws
    if len(numbers) > max_rows:
        raise _too_many_rows(max_rows)
    return _table(numbers, cells, columns, positions, ignored, encoding, written)


def _table(numbers, cells, columns, positions, ignored, encoding, written) -> Table:
    if not numbers:
        raise SpreadsheetError(NO_ROWS)
    absent = [""] * len(numbers)
    everything = {name: cells.get(name, absent) for name in columns}
    return Table(numbers, everything, set(positions), ignored, encoding, written)


def _plain_table(plain, header_row: int, positions, width: int, max_rows: int, marks):
    """Return (row numbers, cells by column) under the header of a plain CSV text, or None.

    Only when every line under the header has the same cells, none blank and within the
    limits: anything else takes the general path, which reads it row by row.
    """
    lines, delimiter = plain
    rest = lines[header_row:]  # without quotes, the nth row is the nth line
    if not positions or len(rest) > max_rows or header_row + len(rest) > EXCEL_MAX_ROWS:
        return None
    cut = plain_columns(rest, delimiter)
    if cut is None or max(positions.values()) >= len(cut):
        return None
    cells = {
        name: _column_cells(None, index, 0, cut[index], marks) for name, index in positions.items()
    }
    numbers = list(range(header_row + 1, header_row + 1 + len(rest)))
    return _without_blank_rows(numbers, cells, lambda index: rest[index].split(delimiter), width)


def _without_blank_rows(numbers, cells, raw_of, width: int):
    """Leave out the rows whose every cell under the header is blank, known column or not.

    `raw_of(index)` returns the cells of the row at `index` as the file has them.
    """
    blank = []
    if all("" in column for column in cells.values()):
        blank = [
            index
            for index, text in enumerate(map("".join, zip(*cells.values(), strict=True)))
            if not text and _blank(raw_of(index), width)
        ]
    if blank:
        keep = sorted(set(range(len(numbers))).difference(blank))
        numbers = [numbers[index] for index in keep]
        cells = {name: [column[index] for index in keep] for name, column in cells.items()}
    return numbers, cells


def _blank(raw: list[str], width: int) -> bool:
    return not any(_clean(cell) for cell in raw[:width])


def _column_cells(raws, index: int, shortest: int, cut=None, marks=None) -> list[str]:
    """Return the cleaned cells of one column, "" where a row is too short to have it.

    `cut`, when given, is that column already taken from every row; `marks` is False when
    no cell holds a zero-width space or BOM.
    """
    if cut is not None:
        column = cut
    elif shortest > index:
        column = list(map(itemgetter(index), raws))
    else:
        column = [raw[index] if len(raw) > index else "" for raw in raws]
    if marks is not False:
        joined = "".join(column)
        if "\u200b" in joined or "\ufeff" in joined:
            return [_clean(cell) for cell in column]
    return list(map(str.strip, column))  # what _clean does to a cell without those marks


def _find_header(records, columns, lookup):
    """Return the header's row number and mapping: the first row naming a known column."""
    seen = 0
    for number, raw in records:
        if number > EXCEL_MAX_ROWS:
            break
        cells = [_clean(cell) for cell in raw]
        if not any(cells):
            continue
        header = _map_header(cells, lookup)
        if header is not None:
            return number, header
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise _NoTable(EMPTY)
    raise _NoTable(
        _l(
            "No header row found: the first row must name the columns (such as %(names)s).",
            names=", ".join(columns),
        )
    )


def _too_many_rows(max_rows: int) -> SpreadsheetError:
    return SpreadsheetError(
        _l("The file has more than %(n)s rows; split it into smaller files.", n=max_rows)
    )


def _clean(cell: str) -> str:
    return cell.strip().strip("\u200b\ufeff").strip()


def _map_header(cells: list[str], lookup: dict[str, str]):
    """Return (positions, headers as written, ignored headers, width) or None if none known."""
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        name = lookup.get(normalise_header(cell)) if cell else None
        if name is None:
            if cell:
                ignored.append(cell)
        elif name in positions:
            raise SpreadsheetError(
                _l(
                    "The columns “%(first)s” and “%(second)s” both mean %(column)s; "
                    "keep only one of them.",
                    first=written[name],
                    second=cell,
                    column=name,
                )
            )
        else:
            positions[name] = index
            written[name] = cell
    if not positions:
        return None
    width = max(index for index, cell in enumerate(cells) if cell) + 1
    return positions, written, ignored, width


def estimate_rows(data: bytes) -> int:
    """Guess how many data rows a file has, cheaply, to choose between now and a background job.

    CSV: its lines under the header; XLSX: the first sheet's stated size. A file that cannot be read
    this way counts as small, and the import itself then says what is wrong with it.
    """
    if data.startswith(ZIP_MAGIC):
        from openpyxl import load_workbook

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                workbook = load_workbook(io.BytesIO(data), read_only=True)
            try:
                return max((workbook.worksheets[0].max_row or 0) - 1, 0)
            finally:
                workbook.close()
        except Exception:  # the import's own reading explains a damaged file
            return 0
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        breaks, last = max(data.count(b"\n\x00"), data.count(b"\x00\n")), data.rstrip(b"\x00")
    else:
        breaks, last = data.count(b"\n"), data
    lines = breaks + (0 if last.endswith(b"\n") else 1)
    return max(lines - 1, 0)
