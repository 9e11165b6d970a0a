"""Write rows in bulk below the ORM: in chunks, many rows a statement (SQLite) or COPY."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, repeat
from operator import is_

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from alliance.extensions import db

MAX_PARAMETERS = 999  # SQLite's limit on values in one statement before 3.32
CHUNK = 900  # values in one IN (...) or rows in one statement: under every driver's limits


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """Yield slices of `items`, `size` at a time."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def larger_sqlite_cache(connection, kib: int):
    """Give SQLite's page cache `kib` KiB while a large write runs (0 or PostgreSQL: as it was).

    With the default 2 MiB, SQLite writes pages out to the WAL in the middle of the
    transaction and again each time it changes them later; rows landing all over a unique
    index (random hashes) thrash the disk.
    """
    if connection.dialect.name != "sqlite" or kib <= 0:
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = {-int(kib):d}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous):d}")


@dataclass(frozen=True)
class Same:
    """The one value a column takes on every row of a write."""

    value: object


class RowWriter:
    """Insert rows of values (in `columns` order), many rows per statement.

    The statement is compiled by SQLAlchemy for the session's dialect once; values whose
    column type converts them on the way in must be converted with process() or
    processor() first. This spares the per-row parameter handling of Session.execute,
    which costs more than the database's own work on a large import. With positional
    parameters (SQLite) one INSERT carries up to MAX_PARAMETERS values in several rows,
    which SQLite runs faster than the same rows one by one; PostgreSQL gets them by COPY.
    """

    def __init__(self, table, columns: tuple[str, ...]):
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.table = table
        self.columns = columns
        compiled = insert(table).compile(dialect=self.dialect, column_keys=list(columns))
        self.sql = compiled.string
        self.order = None
        self.multirow = False
        self.statements: dict[tuple, str] = {}
        if compiled.positional:
            where = {name: index for index, name in enumerate(columns)}
            self.order = [where[name] for name in compiled.positiontup]
            head, values_word, group = self.sql.rpartition(" VALUES ")
            if values_word and group.startswith("(") and group.endswith(")"):
                self.multirow = self.dialect.paramstyle == "qmark"  # (it numbers them below)
                self.head = head + values_word

    def processor(self, column: str):
        """Return the function that converts a value of `column` for the driver."""
        column_type = self.table.c[column].type.dialect_impl(self.dialect)
        convert = column_type.bind_processor(self.dialect)
        return convert or _same

    def process(self, column: str, value):
        """Convert a value of `column` for the driver."""
        return self.processor(column)(value)

    def write(self, rows: list[tuple]) -> None:
        """Insert the rows."""
        if not rows:
            return
        if self.dialect.name == "postgresql":
            self._copy(rows)
            return
        if self.order is None:
            params = [dict(zip(self.columns, row, strict=True)) for row in rows]
            self.connection.exec_driver_sql(self.sql, params)
            return
        if self.order != sorted(self.order):
            rows = [tuple(row[index] for index in self.order) for row in rows]
        if not self.multirow:
            self.connection.exec_driver_sql(self.sql, rows)
            return
        self._insert(list(chain.from_iterable(rows)), (False,) * len(self.columns), [])

    def write_columns(self, columns: list) -> None:
        """Insert rows given column by column (in order): each a sequence, or Same(value).

        The sequences (one at least) give the number of rows.
        """
        count = next((len(values) for values in columns if not isinstance(values, Same)), 0)
        if not count:
            return
        if self.dialect.name == "postgresql" or not self.multirow:
            full = [[c.value] * count if isinstance(c, Same) else c for c in columns]
            self.write(list(zip(*full, strict=True)))
            return
        ordered = [columns[index] for index in self.order]  # the statement's order
        # A column holding one object on every row (None, often) is bound once per statement too.
        ordered = [c if isinstance(c, Same) else one_object(c) for c in ordered]
        shape = tuple(isinstance(c, Same) for c in ordered)
        varying = [c for c in ordered if not isinstance(c, Same)]
        if not varying:  # every row alike (or a single row): nothing to number the rows by
            row = tuple(c.value if isinstance(c, Same) else c[0] for c in columns)
            self.write([row] * count)
            return
        width = len(varying)
        flat = [None] * (count * width)
        for place, values in enumerate(varying):
            flat[place::width] = values  # (the lengths must match, or this raises)
        self._insert(flat, shape, [c.value for c in ordered if isinstance(c, Same)])

    def _insert(self, values: list, shape: tuple[bool, ...], fixed: list) -> None:
        """Insert rows given as one list of their varying values, row after row.

        `shape` tells, in the statement's order, which columns take the same value on every
        row: those are bound once per statement (from `fixed`), not once per row.
        """
        width = shape.count(False)
        rows = max(1, (MAX_PARAMETERS - len(fixed)) // width)
        size = rows * width
        full = self._statement(rows, shape)
        # Straight to the driver's cursor: SQLAlchemy's own work for each of thousands of
        # statements would cost more than SQLite's, and there is no result to read.
        cursor = self.connection.connection.driver_connection.cursor()
        try:
            for start in range(0, len(values), size):
                chunk = values[start : start + size]
                sql = full if len(chunk) == size else self._statement(len(chunk) // width, shape)
                cursor.execute(sql, chunk + fixed)
        except self.dialect.loaded_dbapi.IntegrityError as error:
            raise IntegrityError(full, None, error) from error
        finally:
            cursor.close()

    def _statement(self, rows: int, shape: tuple[bool, ...]) -> str:
        """Return the INSERT of `rows` rows: numbered parameters, the shared ones at the end."""
        key = (rows, shape)
        if key not in self.statements:
            width = shape.count(False)
            groups = []
            for row in range(rows):
                own = iter(range(row * width + 1, (row + 1) * width + 1))
                shared = iter(range(rows * width + 1, rows * width + len(shape) - width + 1))
                numbers = (next(shared) if same else next(own) for same in shape)
                groups.append("(" + ", ".join(f"?{number}" for number in numbers) + ")")
            self.statements[key] = self.head + ", ".join(groups)
        return self.statements[key]

    def _copy(self, rows: list[tuple]) -> None:
        """Stream the rows with PostgreSQL's COPY, in the session's transaction."""
        cursor = self.connection.connection.driver_connection.cursor()
        names = ", ".join(f'"{name}"' for name in self.columns)
        statement = f'COPY "{self.table.name}" ({names}) FROM STDIN'
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except self.dialect.loaded_dbapi.IntegrityError as error:
            # The same exception SQLAlchemy raises for an INSERT, so callers handle one kind.
            raise IntegrityError(statement, None, error) from error


def one_object(values: Sequence):
    """Return Same(it) if every value is the same object, else the values."""
    first = values[0]
    # Two looks first, so that a column of many values is not walked to the end.
    sampled = values[-1] is first and values[len(values) // 2] is first
    return Same(first) if sampled and all(map(is_, values, repeat(first))) else values


def _same(value):
    return value
