"""Write checked titles in bulk: many rows per statement, no ORM objects for new rows."""

import functools
import json
from itertools import chain, compress, repeat
from operator import add, itemgetter

from sqlalchemy import ARRAY, String, any_, bindparam, delete, func, insert, select, text, update

from alliance.audit import AuditEvent
from alliance.bulk import RowWriter, Same, chunks, larger_sqlite_cache, one_object
from alliance.catalogue.checking import CheckedTitles
from alliance.catalogue.models import Contributor, Title, search_key, search_keys
from alliance.db import utcnow
from alliance.extensions import db
from alliance.logs import current_request_id

STATE_FIELDS = (
    "title", "subtitle", "format", "language", "clc_class", "thema_code", "publication_date",
    "list_price_fen", "page_count", "description", "status",
)  # fmt: skip
WRITE_BATCH = 10_000  # rows built and written at a time: bounded memory
LARGE_IMPORT = 10_000  # rows from which SQLite gets a larger page cache for the import
IMPORT_CACHE_KIB = 64 * 1024
TITLE_TABLE = Title.__table__
CONTRIBUTOR_TABLE = Contributor.__table__


def titles_by_isbn(columns: list, isbns: list[str]):
    """Return a query of `columns` of the titles with these ISBNs, in one statement.

    The ISBNs travel as one value (a JSON array on SQLite, an array on PostgreSQL) rather
    than one parameter each, so that 100,000 of them take one query and no statement cache.
    """
    query = select(*columns)
    if db.session.get_bind().dialect.name == "sqlite":
        # Joined rather than IN (...), which first copies all of them into a temporary index;
        # sorted (cheap on a sorted file), so that each lookup lands next to the one before.
        distinct = list(dict.fromkeys(sorted(isbns)))  # each once (a set would lose the order)
        listed = func.json_each(json.dumps(distinct)).table_valued("value")
        return query.select_from(listed.join(TITLE_TABLE, TITLE_TABLE.c.isbn == listed.c.value))
    return query.where(TITLE_TABLE.c.isbn == any_(bindparam("isbns", isbns, type_=ARRAY(String))))


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


def insert_titles(titles: CheckedTitles, rows: list[int], publisher_id: int) -> None:
    """Insert the titles of these rows and their contributors, many rows per statement.

    Titles go in ISBN order, so that the unique ISBN index grows at its end, under ids taken
    beforehand (SQLite: after the largest, under the transaction's write lock; PostgreSQL:
    from the table's sequence), so that contributors need not read them back. On SQLite, an
    import at least as large as the table drops the table's other indexes and builds them
    again at the end, which is several times faster than growing them row by row.
    """
    if not rows:
        return
    fields = titles.fields
    rows = sorted(rows, key=fields["isbn"].__getitem__)
    ids = _new_title_ids(len(rows))
    credited = [
        (role, names) for role, names in titles.credits.items() if any(map(names.__getitem__, rows))
    ]
    credits = sum(sum(map(len, map(names.__getitem__, rows))) for _role, names in credited)
    rebuilt = _indexes_to_rebuild(TITLE_TABLE, len(rows)) + _indexes_to_rebuild(
        CONTRIBUTOR_TABLE, credits
    )
    large = len(rows) + credits >= LARGE_IMPORT
    with larger_sqlite_cache(db.session.connection(), IMPORT_CACHE_KIB if large else 0):
        for name, _sql in rebuilt:
            db.session.execute(text(f'DROP INDEX "{name}"'))
        _write_titles(titles, rows, ids, credited, publisher_id)
        for _name, sql in rebuilt:
            db.session.execute(text(sql))


def _write_titles(titles: CheckedTitles, rows: list[int], ids: list[int], credited, publisher_id):
    """Insert the titles of these rows under these ids, and their credits.

    Values go column by column (C loops over whole columns), never as a tuple per row.
    """
    fields = titles.fields
    title_rows = RowWriter(TITLE_TABLE, TITLE_INSERT_COLUMNS)
    people_rows = RowWriter(CONTRIBUTOR_TABLE, CONTRIBUTOR_INSERT_COLUMNS)
    created = title_rows.process("created_at", utcnow())
    # The same few dates come again and again: convert each once.
    dates = functools.cache(title_rows.processor("publication_date"))
    # A field with one value on every row (as for a column the file lacks) is never picked.
    uniform = {name: one_object(fields[name]) for name in TITLE_FIELDS if name not in CONVERTED}
    uniform = {name: same for name, same in uniform.items() if isinstance(same, Same)}
    varied = [name for name in TITLE_FIELDS if name not in uniform]
    for start in range(0, len(rows), WRITE_BATCH):
        batch = rows[start : start + WRITE_BATCH]
        batch_ids = ids[start : start + WRITE_BATCH]
        size = len(batch)
        pick = itemgetter(*batch) if size > 1 else lambda column, at=batch[0]: (column[at],)
        picked = {name: pick(fields[name]) for name in varied}
        picked.update(uniform)
        picked.update(
            id=batch_ids,
            title_key=search_keys(list(picked["title"])),
            publisher_id=Same(publisher_id),
            publication_date=list(map(dates, picked["publication_date"])),
            created_at=Same(created),
            updated_at=Same(created),
        )
        title_rows.write_columns([picked[name] for name in TITLE_INSERT_COLUMNS])
        placed = [1] * size  # the position of each title's next credit
        for role, names in credited:
            people, placed = _credit_columns(pick(names), batch_ids, placed)
            distinct = list(set(people["name"]))  # the same names come again and again
            keys = dict(zip(distinct, search_keys(distinct), strict=True))
            people.update(name_key=list(map(keys.__getitem__, people["name"])), role=Same(role))
            people_rows.write_columns([people[name] for name in CONTRIBUTOR_INSERT_COLUMNS])


def _credit_columns(found, title_ids: list[int], placed: list[int]) -> tuple[dict, list[int]]:
    """Return one role's credits by column, and each title's next position after them.

    `found` holds each title's names in the role, `placed` each title's next position: a
    title's credits are numbered on from its credits in the roles written before.
    """
    counts = list(map(len, found))
    ends = list(map(add, placed, counts))
    names = list(chain.from_iterable(found))
    if max(counts, default=0) <= 1:  # one name at most on each title, as in most files
        ids, positions = compress(title_ids, counts), compress(placed, counts)
    else:
        ids = chain.from_iterable(map(repeat, title_ids, counts))
        positions = chain.from_iterable(map(range, placed, ends))
    return {"title_id": list(ids), "name": names, "position": list(positions)}, ends


CONVERTED = ("title", "publication_date")  # fields whose values are converted per row below
TITLE_FIELDS = (
    "isbn", "title", "subtitle", "format", "language", "clc_class", "thema_code",
    "publication_date", "list_price_fen", "page_count", "description", "status",
)  # fmt: skip


def _new_title_ids(count: int) -> list[int]:
    """Take `count` ids for new titles, in ascending order."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        # The transaction began with BEGIN IMMEDIATE: no other writer can take these meanwhile.
        largest = connection.execute(select(func.max(TITLE_TABLE.c.id))).scalar() or 0
        return list(range(largest + 1, largest + 1 + count))
    return sorted(connection.execute(_TITLE_IDS, {"count": count}).scalars())


_TITLE_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('title', 'id')) FROM generate_series(1, :count)"
)


def _indexes_to_rebuild(table, adding: int) -> list[tuple[str, str]]:
    """Return the (name, SQL) of the SQLite indexes of `table` worth rebuilding after `adding`.

    Only the secondary indexes, which SQLite keeps the SQL of; the unique ISBN index stays, so
    that a duplicate ISBN still fails. On PostgreSQL dropping an index would lock the table
    against readers until the import commits: COPY is fast there anyway.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite" or not adding:
        return []
    largest = connection.execute(select(func.max(table.c.id))).scalar() or 0
    if adding < largest:  # ids only grow, so the largest is at least the number of rows
        return []
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY name",
        (table.name,),
    )
    return [(name, sql) for name, sql in found]


TITLE_INSERT_COLUMNS = (  # in the table's order, which SQLAlchemy's statement follows
    "id",
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
