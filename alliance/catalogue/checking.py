"""Check a spreadsheet's titles column by column, with the same results as rules.read_title.

An import of 100,000 rows cannot afford read_title's per-row work, so this reads each column
at once: a value's reading depends on that value alone, so each distinct value of a column is
read once, by the rules' own functions; ISBNs of 13 plain digits are checked with numpy. Any
row holding a value this cannot accept goes to read_title itself, which also words every
problem: the rules stay in one place, and tests compare both paths on generated rows.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from alliance.catalogue import rules
from alliance.catalogue.isbn import IsbnError, normalise_isbn, plain_isbn13s
from alliance.catalogue.rules import TitleInput, TitleInvalid
from alliance.errors import DomainError

# The values of a spreadsheet row that read_title reads, each read on its own.
FIELD_READERS: dict[str, Callable] = {
    "title": lambda value: rules._required(value, rules.MAX_TITLE, rules.TITLE_MESSAGE),
    "subtitle": lambda value: rules._optional(value, rules.MAX_TITLE),
    "format": rules._format,
    "language": rules._language,
    "clc_class": lambda value: rules._coded(value, rules.CLC_PATTERN, rules.CLC_MESSAGE),
    "thema_code": lambda value: rules._coded(value, rules.THEMA_PATTERN, rules.THEMA_MESSAGE),
    "publication_date": rules._date,
    "list_price_fen": rules._price,  # read from the "price" column, in yuan
    "page_count": rules._count,
    "description": lambda value: rules._optional(value, rules.MAX_DESCRIPTION),
    "status": rules._status,
}
COLUMN_OF = {"list_price_fen": "price"}
FIELDS = ("isbn", *FIELD_READERS)
_UNDECIDED = object()  # a value only read_title can decide about (usually a bad one)


@dataclass
class CheckedTitles:
    """The rows' values by field (one entry per row), and the problems of the bad rows.

    `fields["isbn"]` holds each row's ISBN when it is valid, even on a row with other
    problems; the other fields of a bad row are None. `problems` maps the index of each bad
    row to read_title's problems for it, by field.
    """

    fields: dict[str, list]
    contributors: list[list[tuple[str, str]]]
    problems: dict[int, dict[str, str]]

    def title(self, index: int) -> TitleInput:
        """Return the values of a good row as read_title returns them."""
        values = {name: column[index] for name, column in self.fields.items()}
        return TitleInput(contributors=self.contributors[index], **values)


def read_titles(columns: Mapping[str, Sequence[str]], count: int) -> CheckedTitles:
    """Read `count` rows given as text by spreadsheet column, as read_title reads each row."""
    if "list_price_fen" in columns or "contributors" in columns:
        raise ValueError("read_titles reads spreadsheet columns; use read_title for API values")
    blank = [""] * count

    def column(name: str) -> Sequence[str]:
        return columns.get(name, blank)

    undecided: set[int] = set()
    fields = {"isbn": _isbns(column("isbn"), undecided)}
    for name, read in FIELD_READERS.items():
        fields[name] = _by_value(read, column(COLUMN_OF.get(name, name)), undecided)
    contributors = _contributors(column, count, undecided)
    problems: dict[int, dict[str, str]] = {}
    for index in sorted(undecided):
        values = {name: column(name)[index] for name in columns}
        try:
            title = rules.read_title(values)
        except TitleInvalid as invalid:
            problems[index] = invalid.problems
            for name in FIELD_READERS:
                fields[name][index] = None
            contributors[index] = []
            fields["isbn"][index] = None if "isbn" in invalid.problems else title_isbn(values)
            continue
        for name in FIELDS:
            fields[name][index] = getattr(title, name)
        contributors[index] = title.contributors
    return CheckedTitles(fields, contributors, problems)


def title_isbn(values: Mapping) -> str | None:
    """Return a row's ISBN as normalise_isbn reads it, or None if it is not valid."""
    try:
        return normalise_isbn(values.get("isbn"))
    except IsbnError:
        return None


def _isbns(cells: Sequence[str], undecided: set[int]) -> list:
    """Read a column of ISBNs: 13 plain digits in bulk, anything else row by row later."""
    plain = [
        index
        for index, cell in enumerate(cells)
        if type(cell) is str and len(cell) == 13 and cell.isdigit() and cell.isascii()
    ]
    if len(plain) == len(cells):
        accepted = plain_isbn13s(list(cells))
        result = list(cells)
    else:
        accepted = plain_isbn13s([cells[index] for index in plain])
        result = [_UNDECIDED] * len(cells)
        for index in plain:
            result[index] = cells[index]
        undecided.update(index for index, cell in enumerate(result) if cell is _UNDECIDED)
    if not all(accepted):
        rows = plain if len(plain) != len(cells) else range(len(cells))
        undecided.update(index for index, ok in zip(rows, accepted, strict=True) if not ok)
    return result


def _by_value(read: Callable, cells: Sequence[str], undecided: set[int]) -> list:
    """Read each distinct value of a column once; note the rows with a value it refuses."""
    readings = {}
    for value in set(cells):
        try:
            readings[value] = read(value)
        except (ValueError, DomainError):
            readings[value] = _UNDECIDED
    result = list(map(readings.__getitem__, cells))
    if _UNDECIDED in readings.values():
        undecided.update(index for index, value in enumerate(result) if value is _UNDECIDED)
    return result


def _names(value: str) -> tuple[str, ...] | object:
    """Split one cell of contributors as read_title does; undecided if a name is too long."""
    text = rules._text(value)
    if not text:
        return ()
    names = tuple(name.strip() for name in rules.NAME_SEPARATORS.split(text) if name.strip())
    if any(len(name) > rules.MAX_NAME for name in names):
        return _UNDECIDED
    return names


def _contributors(column: Callable, count: int, undecided: set[int]) -> list:
    """Return each row's contributors in read_title's order: by role column, then as written."""
    people: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for field_name, role in rules.ROLE_VALUES:
        cells = column(field_name)
        readings: dict[str, object] = {}
        for index in [index for index, cell in enumerate(cells) if cell]:
            value = cells[index]
            names = readings.get(value)
            if names is None:
                names = readings[value] = _names(value)
            if names is _UNDECIDED:
                undecided.add(index)
            else:
                people[index].extend([(name, role) for name in names])
    undecided.update(index for index, row in enumerate(people) if len(row) > rules.MAX_CONTRIBUTORS)
    return people
