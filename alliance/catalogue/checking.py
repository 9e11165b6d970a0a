"""Check a spreadsheet's titles column by column, with the same results as rules.read_title.

An import of 100,000 rows cannot afford read_title's per-row work, so this reads each column
at once: a value's reading depends on that value alone, so each distinct value of a column is
read once, by the rules' own functions; ISBNs of 13 plain digits are checked with numpy. Any
row holding a value this cannot accept goes to read_title itself, which also words every
problem: the rules stay in one place, and tests compare both paths on generated rows.
"""

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from alliance.catalogue import rules
from alliance.catalogue.isbn import IsbnError, normalise_isbn, plain_isbn13s
from alliance.catalogue.rules import TitleInput
from alliance.dates import read_day
from alliance.errors import DomainError, FieldsInvalid

# The values of a spreadsheet row that read_title reads, each read on its own.
FIELD_READERS: dict[str, Callable] = {
    "title": lambda value: rules._required(value, rules.MAX_TITLE, rules.TITLE_MESSAGE),
    "subtitle": lambda value: rules._optional(value, rules.MAX_TITLE),
    "format": rules._format,
    "language": rules._language,
    "clc_class": lambda value: rules._coded(value, rules.CLC_PATTERN, rules.CLC_MESSAGE),
    "thema_code": lambda value: rules._coded(value, rules.THEMA_PATTERN, rules.THEMA_MESSAGE),
    "publication_date": partial(read_day, month_is_enough=True),
    "list_price_fen": rules._price,  # read from the "price" column, in yuan
    "page_count": rules._count,
    "description": lambda value: rules._optional(value, rules.MAX_DESCRIPTION),
    "status": rules._status,
}
# Free texts, mostly different on every row: read in bulk rather than value by value.
TEXT_LIMITS = {"title": rules.MAX_TITLE, "subtitle": rules.MAX_TITLE,
               "description": rules.MAX_DESCRIPTION}  # fmt: skip
COLUMN_OF = {"list_price_fen": "price"}
FIELDS = ("isbn", *FIELD_READERS)
ROLES = tuple(role for _column, role in rules.ROLE_VALUES)
_UNDECIDED = object()  # a value only read_title can decide about (usually a bad one)


@dataclass
class CheckedTitles:
    """The rows' values by field (one entry per row), and the problems of the bad rows.

    `fields["isbn"]` holds each row's ISBN when it is valid, even on a row with other
    problems; the other fields of a bad row are None. `credits` holds, by role, each row's
    names in that role. `problems` maps the index of each bad row to read_title's problems
    for it, by field.
    """

    fields: dict[str, list]
    credits: dict[str, list[tuple[str, ...]]]
    problems: dict[int, dict[str, str]]

    def contributors(self, index: int) -> list[tuple[str, str]]:
        """Return a row's contributors as read_title lists them: by role, then as written."""
        return [(name, role) for role in ROLES for name in self.credits[role][index]]

    def title(self, index: int) -> TitleInput:
        """Return the values of a good row as read_title returns them."""
        values = {name: column[index] for name, column in self.fields.items()}
        return TitleInput(contributors=self.contributors(index), **values)


def read_titles(columns: Mapping[str, Sequence[str]], count: int) -> CheckedTitles:
    """Read `count` rows given as text (str) by spreadsheet column, as read_title reads each."""
    if "list_price_fen" in columns or "contributors" in columns:
        raise ValueError("read_titles reads spreadsheet columns; use read_title for API values")
    blank = [""] * count

    def column(name: str) -> Sequence[str]:
        return columns.get(name, blank)

    undecided: set[int] = set()
    fields = {"isbn": _isbns(column("isbn"), undecided)}
    for name, read in FIELD_READERS.items():
        cells = column(COLUMN_OF.get(name, name))
        if name in TEXT_LIMITS:
            fields[name] = _free_texts(name, cells, undecided)
        else:
            fields[name] = _by_value(read, cells, undecided)
    credits = _credits(column, count, undecided)
    problems: dict[int, dict[str, str]] = {}
    for index in sorted(undecided):
        values = {name: column(name)[index] for name in columns}
        try:
            title = rules.read_title(values)
        except FieldsInvalid as invalid:
            problems[index] = invalid.problems
            for name in FIELD_READERS:
                fields[name][index] = None
            for role in ROLES:
                credits[role][index] = ()
            fields["isbn"][index] = None if "isbn" in invalid.problems else title_isbn(values)
            continue
        for name in FIELDS:
            fields[name][index] = getattr(title, name)
        for role in ROLES:
            credits[role][index] = tuple(name for name, of in title.contributors if of == role)
    return CheckedTitles(fields, credits, problems)


def title_isbn(values: Mapping) -> str | None:
    """Return a row's ISBN as normalise_isbn reads it, or None if it is not valid."""
    try:
        return normalise_isbn(values.get("isbn"))
    except IsbnError:
        return None


def _isbns(cells: Sequence[str], undecided: set[int]) -> list:
    """Read a column of ISBNs: 13 plain digits in bulk, anything else row by row later."""
    joined = "".join(cells)
    if set(map(len, cells)) == {13} and joined.isascii() and joined.isdigit():
        result = list(cells)  # the usual column: every cell is 13 ASCII digits
        accepted = plain_isbn13s(result)
        plain = range(len(cells))
    else:
        result = [
            cell if len(cell) == 13 and cell.isdigit() and cell.isascii() else _UNDECIDED
            for cell in cells
        ]
        undecided.update(index for index, cell in enumerate(result) if cell is _UNDECIDED)
        plain = [index for index, cell in enumerate(result) if cell is not _UNDECIDED]
        accepted = plain_isbn13s([result[index] for index in plain])
    if not all(accepted):
        undecided.update(index for index, ok in zip(plain, accepted, strict=True) if not ok)
    return result


def _by_value(read: Callable, cells: Sequence[str], undecided: set[int]) -> list:
    """Read each distinct value of a column once; note the rows with a value it refuses."""
    readings = {}
    for value in set(cells):
        try:
            readings[value] = read(value)
        except (ValueError, DomainError):
            readings[value] = _UNDECIDED
    if len(readings) == 1:
        (reading,) = readings.values()
        result = [reading] * len(cells)
    else:
        result = list(map(readings.__getitem__, cells))
    if _UNDECIDED in readings.values():
        undecided.update(index for index, value in enumerate(result) if value is _UNDECIDED)
    return result


def _texts(cells: Sequence[str]) -> list[str]:
    """Return [rules._text(cell) for cell in cells], normalising them all at once.

    NFC acts on a character and its combining marks, which a NUL (a character without
    compositions) keeps apart: the cells joined by NULs are NFC as a whole only if each is.
    """
    joined = "\x00".join(cells)
    if joined.count("\x00") == len(cells) - 1 and unicodedata.is_normalized("NFC", joined):
        return list(map(str.strip, cells))  # what _text does to a text already NFC
    return [rules._text(cell) for cell in cells]


def _free_texts(name: str, cells: Sequence[str], undecided: set[int]) -> list:
    """Read a column of free text as rules._required (the title) or rules._optional read it."""
    texts = list(cells) if not any(cells) else _texts(cells)
    limit = TEXT_LIMITS[name]
    if name == "title":
        if "" in texts:
            undecided.update(index for index, text in enumerate(texts) if not text)
        result = texts
    else:
        result = [None] * len(cells) if not any(texts) else [text or None for text in texts]
    if texts and max(map(len, texts)) > limit:
        undecided.update(index for index, text in enumerate(texts) if len(text) > limit)
    return result


def _names(text: str) -> tuple[str, ...] | object:
    """Split one cell of contributors as read_title does; undecided if a name is too long."""
    if not text:
        return ()
    names = tuple(name.strip() for name in rules.NAME_SEPARATORS.split(text) if name.strip())
    if any(len(name) > rules.MAX_NAME for name in names):
        return _UNDECIDED
    return names


def _credits(column: Callable, count: int, undecided: set[int]) -> dict[str, list]:
    """Return, by role, each row's names in that role, split as read_title splits them."""
    credits: dict[str, list] = {}
    most = 0  # the most names a cell of a role has
    for field_name, role in rules.ROLE_VALUES:
        cells = column(field_name)
        if not any(cells):
            credits[role] = [()] * count
            continue
        texts = _texts(cells)
        readings = {text: _names(text) for text in set(texts)}
        credits[role] = names = list(map(readings.__getitem__, texts))
        if _UNDECIDED in readings.values():
            undecided.update(index for index, found in enumerate(names) if found is _UNDECIDED)
        most = max([most, *(len(found) for found in readings.values() if found is not _UNDECIDED)])
    if most * len(ROLES) > rules.MAX_CONTRIBUTORS:  # some row may list too many people
        lists = [credits[role] for role in ROLES]
        for index, row in enumerate(zip(*lists, strict=True)):
            if sum(len(names) for names in row if names is not _UNDECIDED) > rules.MAX_CONTRIBUTORS:
                undecided.add(index)
    return credits
