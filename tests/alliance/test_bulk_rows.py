"""Bulk writes and lookups below the ORM give back what they were given, on either database."""

from sqlalchemy import select
from stdnum import ean

from alliance.bulk import RowWriter, Same
from alliance.catalogue.bulk import TITLE_TABLE, titles_by_isbn
from alliance.catalogue.models import Title
from alliance.db import utcnow

COLUMNS = ("isbn", "title", "title_key", "subtitle", "thema_code", "publisher_id", "format",
           "language", "status", "created_at", "updated_at")  # fmt: skip


def isbn(n: int) -> str:
    body = f"978702{n:06d}"
    return body + ean.calc_check_digit(body)


def test_columns_given_once_or_never_set_reach_every_row(db, make_org):
    publisher = make_org()
    writer = RowWriter(Title.__table__, COLUMNS)
    now = writer.process("created_at", utcnow())
    count = 1_000  # several statements, the last one shorter
    values = {
        "isbn": [isbn(n) for n in range(count)],
        "title": [f"书名{n}" for n in range(count)],
        "title_key": [f"书名{n}" for n in range(count)],
        "subtitle": [None] * count,  # no value on any row
        "thema_code": [None if n % 3 else "FBA" for n in range(count)],
        "publisher_id": Same(publisher.id),
        "format": Same("ebook"),
        "language": ["zh" if n % 2 else "en" for n in range(count)],
        "status": ["withdrawn"] * count,  # one object on every row: bound once too
        "created_at": Same(now),
        "updated_at": Same(now),
    }
    writer.write_columns([values[name] for name in COLUMNS])
    titles = db.session.scalars(select(Title).order_by(Title.isbn)).all()
    assert len(titles) == count
    for n in (0, 1, 89, 90, 91, 500, 998, 999):
        title = titles[n]
        assert (title.isbn, title.title, title.subtitle, title.thema_code) == (
            isbn(n),
            f"书名{n}",
            None,
            None if n % 3 else "FBA",
        )
        assert (title.publisher_id, title.format, title.language, title.status) == (
            publisher.id,
            "ebook",
            "zh" if n % 2 else "en",
            "withdrawn",
        )
        assert title.created_at == title.updated_at and title.created_at.tzinfo is not None


def test_a_single_row_is_written_as_given(db, make_org):
    publisher = make_org()
    writer = RowWriter(Title.__table__, COLUMNS)
    now = writer.process("created_at", utcnow())
    row = [isbn(7)], ["书名"], ["书名"], [None], ["FBA"], Same(publisher.id), ["hardback"]
    writer.write_columns([*row, ["zh"], ["forthcoming"], [now], [now]])
    (title,) = db.session.scalars(select(Title)).all()
    assert (title.isbn, title.thema_code, title.format, title.status) == (
        isbn(7),
        "FBA",
        "hardback",
        "forthcoming",
    )


def test_titles_are_found_once_by_isbn_in_any_order(db, make_org):
    publisher = make_org()
    writer = RowWriter(Title.__table__, COLUMNS)
    now = writer.process("created_at", utcnow())
    isbns = [isbn(n) for n in (5, 3, 9)]
    given = [isbns, ["t"] * 3, ["t"] * 3, [None] * 3, [None] * 3, Same(publisher.id)]
    writer.write_columns([*given, Same("ebook"), Same("zh"), Same("active"), Same(now), Same(now)])
    asked = [isbn(9), isbn(4), isbn(3), isbn(9), isbn(5), isbn(3)]  # one unknown, two twice
    found = db.session.execute(titles_by_isbn([TITLE_TABLE.c.isbn], asked)).scalars().all()
    assert sorted(found) == sorted(isbns)
