"""Write checked titles in bulk: many rows per statement, no ORM objects for new rows."""

from collections.abc import Iterator, Sequence
from itertools import chain

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from alliance.audit import AuditEvent
from alliance.catalogue.models import Contributor, Title, search_key
from alliance.catalogue.rules import TitleInput
from alliance.db import utcnow
from alliance.extensions import db
from alliance.logs import current_request_id

STATE_FIELDS = (
    "title", "subtitle", "format", "language", "clc_class", "thema_code", "publication_date",
    "list_price_fen", "page_count", "description", "status",
)  # fmt: skip
CHUNK = 900  # values in one IN (...) and rows in one INSERT: under every driver's limits
MAX_PARAMETERS = 999  # SQLite's limit on values in one statement before 3.32
WRITE_BATCH = 10_000  # rows built and written at a time: bounded memory
TITLE_TABLE = Title.__table__
CONTRIBUTOR_TABLE = Contributor.__table__
_ID_BY_ISBN = select(TITLE_TABLE.c.isbn, TITLE_TABLE.c.id).where(
    TITLE_TABLE.c.isbn.in_(bindparam("isbns", expanding=True))
)


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """Yield slices of `items`, `size` at a time."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _isbn_of(values: TitleInput) -> str:
    return values.isbn


def _contributor_rows(title_id: int, contributors: list) -> list[dict]:
    return [
        {
            "title_id": title_id,
            "name": name,
            "name_key": search_key(name),
            "role": role,
            "position": position,
        }
        for position, (name, role) in enumerate(contributors, start=1)
    ]


def insert_titles(new: list[TitleInput], publisher_id: int) -> None:
    """Insert the new titles and their contributors, many rows per statement.

    Titles go in ISBN order, so that the unique ISBN index grows at its end; their ids are
    then read back by ISBN, a chunk per query, to insert the contributors.
    """
    now = utcnow()
    new = sorted(new, key=_isbn_of)
    title_rows = _RowWriter(TITLE_TABLE, TITLE_INSERT_COLUMNS)
    people_rows = _RowWriter(CONTRIBUTOR_TABLE, CONTRIBUTOR_INSERT_COLUMNS)
    created = title_rows.process("created_at", now)
    key = search_key
    date_value = title_rows.processor("publication_date")
    for batch in chunks(new, WRITE_BATCH):
        title_rows.write(
            [
                (
                    values.isbn,
                    values.title,
                    key(values.title),
                    values.subtitle,
                    publisher_id,
                    values.format,
                    values.language,
                    values.clc_class,
                    values.thema_code,
                    date_value(values.publication_date),
                    values.list_price_fen,
                    values.page_count,
                    values.description,
                    values.status,
                    created,
                    created,
                )
                for values in batch
            ]
        )
        if title_rows.dialect.name == "postgresql":
            # The planner's statistics still describe the table before this import; without
            # fresh ones it reads the ids back by scanning the whole table, chunk after chunk.
            db.session.execute(text("ANALYZE title"))
        credited = [values for values in batch if values.contributors]
        ids = {}
        for chunk in chunks([values.isbn for values in credited]):
            ids.update(db.session.execute(_ID_BY_ISBN, {"isbns": chunk}).all())
        people_rows.write(
            [
                (title_id, name, key(name), role, position)
                for values in credited
                for title_id in (ids[values.isbn],)
                for position, (name, role) in enumerate(values.contributors, start=1)
            ]
        )


TITLE_INSERT_COLUMNS = (  # in the table's order, which SQLAlchemy's statement follows
    "isbn",
    "title",
    "title_key",
    "subtitle",
    "publisher_id",
    "format",
    "language",
    "clc_class",
    "thema_code",
    "publication_date",
    "list_price_fen",
    "page_count",
    "description",
    "status",
    "created_at",
    "updated_at",
)  # fmt: skip
CONTRIBUTOR_INSERT_COLUMNS = ("title_id", "name", "name_key", "role", "position")


class _RowWriter:
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
        self.per_statement = 1
        if compiled.positional:
            where = {name: index for index, name in enumerate(columns)}
            self.order = [where[name] for name in compiled.positiontup]
            head, values_word, group = self.sql.rpartition(" VALUES ")
            if values_word and group.startswith("(") and group.endswith(")"):
                self.per_statement = max(1, MAX_PARAMETERS // len(columns))
                self.head, self.group = head + values_word, group

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
        if self.per_statement == 1:
            self.connection.exec_driver_sql(self.sql, rows)
            return
        size = self.per_statement
        full = self._statement(size)
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = full if len(chunk) == size else self._statement(len(chunk))
            self.connection.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))

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

    def _statement(self, rows: int) -> str:
        return self.head + ", ".join([self.group] * rows)


def _same(value):
    return value


def update_titles(actor, changed: list, publisher_id: int) -> None:
    """Write the changed titles, replace their contributors if those changed, audit each."""
    if not changed:
        return
    now = utcnow()
    statement = update(TITLE_TABLE).where(TITLE_TABLE.c.id == bindparam("b_id"))
    label = actor.login if actor is not None else "system"
    request_id = current_request_id()
    for chunk in chunks(changed):
        rows = []
        for title_id, _before, after in chunk:
            row = {name: after[name] for name in STATE_FIELDS}
            row.update(b_id=title_id, title_key=search_key(after["title"]), updated_at=now)
            rows.append(row)
        db.session.execute(statement, rows)
        recast = [(title_id, after) for title_id, before, after in chunk
                  if before["contributors"] != after["contributors"]]  # fmt: skip
        if recast:
            db.session.execute(
                delete(CONTRIBUTOR_TABLE).where(
                    CONTRIBUTOR_TABLE.c.title_id.in_([title_id for title_id, _ in recast])
                )
            )
            people = [
                person
                for title_id, after in recast
                for person in _contributor_rows(title_id, after["contributors"])
            ]
            if people:
                db.session.execute(insert(CONTRIBUTOR_TABLE), people)
        db.session.execute(
            insert(AuditEvent.__table__),
            [
                {
                    "occurred_at": now,
                    "actor_id": getattr(actor, "id", None),
                    "actor_label": label,
                    "action": "title.update",
                    "entity_type": TITLE_TABLE.name,
                    "entity_id": str(title_id),
                    "before": _audit_state(before, publisher_id),
                    "after": _audit_state(after, publisher_id),
                    "request_id": request_id,
                }
                for title_id, before, after in chunk
            ],
        )


def _audit_state(state: dict, publisher_id: int) -> dict:
    """Return a state in the shape of Title.audit_state(), with the description too."""
    return {
        **{name: state[name] for name in ("isbn", *STATE_FIELDS)},
        "publisher_id": publisher_id,
        "publication_date": str(state["publication_date"] or "") or None,
        "contributors": [f"{role}:{name}" for name, role in state["contributors"]],
    }


def forget_loaded_titles() -> None:
    """Expire titles and contributors the session holds: the rows changed underneath them."""
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Title | Contributor):
            db.session.expire(instance)
