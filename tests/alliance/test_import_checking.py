"""The import's bulk shortcuts give exactly what the row-by-row rules give, good rows and bad."""

import csv
import io
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import ean

from alliance import spreadsheets
from alliance.catalogue.checking import read_titles, title_isbn
from alliance.catalogue.importing import TITLE_COLUMNS
from alliance.catalogue.isbn import IsbnError, _checked_isbn13, _range_index, plain_isbn13s
from alliance.catalogue.models import search_key, search_keys
from alliance.catalogue.rules import read_title
from alliance.cleaning import TextRefused, clean_text
from alliance.errors import FieldsInvalid
from alliance.plaincsv import plain_columns
from alliance.spreadsheets import SpreadsheetError, _clean, normalise_header, read_table
from alliance.tabular import ImportRejected

COLUMNS = list(TITLE_COLUMNS)


def with_check_digit(body: str) -> str:
    return body + ean.calc_check_digit(body)


TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
ISBNS = st.one_of(
    st.integers(0, 10**9 - 1).map(lambda n: with_check_digit(f"978{n:09d}")),
    st.integers(0, 10**9 - 1).map(lambda n: with_check_digit(f"9787{n:08d}")),
    st.integers(0, 10**9 - 1).map(lambda n: with_check_digit(f"979{n:09d}")),  # 979-0 too
    st.integers(0, 10**13 - 1).map(lambda n: f"{n:013d}"),  # mostly a wrong check digit
    st.sampled_from(["", "978-7-02-000220-7", "7-02-000220-X", "9787020002207.0", "ISBN 1"]),
    st.sampled_from(["９７８７０２０００２２０７", "97870200022", "abc", " 9787020002207"]),
    TEXT,
)
NAMES = st.one_of(
    st.sampled_from(["", "曹雪芹", "曹雪芹; 高鹗", "A、B，C/D", " x ", "；", "n" * 201]),
    st.lists(st.sampled_from(["甲", "乙", "丙"]), min_size=13, max_size=15).map(";".join),
    TEXT,
)
CELLS = {
    "isbn": ISBNS,
    "title": st.one_of(st.sampled_from(["红楼梦", "", " ", "t" * 301, "e\u0301"]), TEXT),
    "subtitle": st.one_of(st.sampled_from(["", "上", "s" * 301]), TEXT),
    "authors": NAMES,
    "editors": NAMES,
    "translators": NAMES,
    "illustrators": NAMES,
    "format": st.one_of(st.sampled_from(["", "平装", "Hardback", "ＥＢＯＯＫ", "scroll"]), TEXT),
    "language": st.one_of(st.sampled_from(["", "zh", "EN", "中文", "klingon"]), TEXT),
    "clc_class": st.one_of(st.sampled_from(["", "I247.5", "tp311", "1"]), TEXT),
    "thema_code": st.one_of(st.sampled_from(["", "FBA", "-"]), TEXT),
    "publication_date": st.one_of(
        st.sampled_from(["", "2021-04-23", "2021年4月", "2021/4/1", "2021-02-30", "soon"]), TEXT
    ),
    "price": st.one_of(
        st.sampled_from(["", "59.70", "¥12.5", "１２元", "1,234.5", "-1", "abc"]), TEXT
    ),
    "page_count": st.one_of(st.sampled_from(["", "1606", "１６", "12.0", "0", "100000"]), TEXT),
    "description": st.one_of(st.sampled_from(["", "好书", "d" * 10_001]), TEXT),
    "status": st.one_of(st.sampled_from(["", "active", "停售", "Forthcoming", "lost"]), TEXT),
}
ROWS = st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=12)


@given(ROWS)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_reading_by_column_gives_what_read_title_gives_for_each_row(app, rows):
    with app.test_request_context():
        columns = {name: [row[name] for row in rows] for name in COLUMNS}
        checked = read_titles(columns, len(rows))
        for index, row in enumerate(rows):
            try:
                expected = read_title(row)
            except FieldsInvalid as invalid:
                assert checked.problems[index] == invalid.problems
                assert checked.fields["isbn"][index] == title_isbn(row)
            else:
                assert index not in checked.problems
                assert checked.title(index) == expected


def test_good_columns_of_many_rows_take_no_row_by_row_path(app, monkeypatch):
    rows = [
        {**dict.fromkeys(COLUMNS, ""), "isbn": with_check_digit(f"978753210{n:03d}"),
         "title": f"书名{n} 上", "authors": f"作者{n % 7}；合著", "translators": "译者" * (n % 2),
         "price": f"¥{n}.5", "publication_date": "2021年4月", "page_count": str(n + 1)}
        for n in range(500)
    ]  # fmt: skip
    monkeypatch.setattr("alliance.catalogue.rules.read_title", None)  # must not be needed
    checked = read_titles({name: [row[name] for row in rows] for name in COLUMNS}, len(rows))
    monkeypatch.undo()
    assert not checked.problems
    assert [checked.title(n) for n in range(500)] == [read_title(row) for row in rows]


def isbn_reference(text: str) -> bool:
    try:
        _checked_isbn13(text)
    except IsbnError:
        return False
    return True


def range_bounds() -> list[str]:
    """Every range boundary of the ISBN ranges, as the start of a 12-digit number."""
    found = []

    def walk(levels, prefix, depth):
        for _length, starts, children in levels:
            for start, child in zip(starts, children, strict=True):
                if start and len(prefix + start) < 12:
                    found.append(prefix + start)
                    if child and depth < 3:
                        walk(child, prefix + start, depth + 1)

    walk(_range_index(), "", 0)
    return found


def test_isbns_in_bulk_are_judged_as_one_by_one_at_every_range_boundary():
    rng = random.Random(3)
    isbns = []
    for start in range_bounds():
        for fill in ("0", "9", None):
            rest = 12 - len(start)
            tail = "".join(rng.choice("0123456789") for _ in range(rest)) if fill is None else ""
            body = start + (tail or fill * rest)
            before = str(int(start) - 1).zfill(len(start)) + "9" * rest if int(start) else body
            isbns += [with_check_digit(body), with_check_digit(before), body + "0"]
    assert len(isbns) > 10_000
    assert plain_isbn13s(isbns) == [isbn_reference(isbn) for isbn in isbns]


@given(st.lists(st.integers(0, 10**13 - 1).map(lambda n: f"{n:013d}"), max_size=30))
def test_isbns_in_bulk_are_judged_as_one_by_one(numbers):
    isbns = numbers + [with_check_digit(number[:12]) for number in numbers]
    assert plain_isbn13s(isbns) == [isbn_reference(isbn) for isbn in isbns]


@given(st.lists(st.one_of(TEXT, st.sampled_from(["Ａ  Ｂ", "Straße", " x", "x ", "ǅ", "a\tb"]))))
def test_search_keys_in_bulk_are_search_key_of_each(texts):
    assert search_keys(texts) == [search_key(text) for text in texts]


def old_rows(text: str, names: list[str]) -> list[tuple[int, dict]]:
    """Read rows as the row-by-row reader did: the reference for the column reader."""
    records = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    lookup = {normalise_header(name): name for name in names}
    header = next(number for number, raw in records if any(_clean(cell) for cell in raw))
    cells = [_clean(cell) for cell in records[header - 1][1]]
    known = [(lookup.get(normalise_header(cell)), i) for i, cell in enumerate(cells) if cell]
    positions = {name: i for name, i in known if name}
    width = max(i for i, cell in enumerate(cells) if cell) + 1
    rows = []
    for number, raw in records[header:]:
        kept = [_clean(cell) for cell in raw[:width]]
        if any(kept):
            values = dict.fromkeys(names, "")
            values.update({name: _clean(raw[i]) for name, i in positions.items() if i < len(raw)})
            rows.append((number, values))
    return rows


CSV_CELL = st.one_of(
    st.sampled_from(["", " ", "a", " b ", "\u200bc\u200b", "\ufeff", "x,y", 'q"q', "l\nm"]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";"), max_size=5),
)


@given(st.lists(st.lists(CSV_CELL, max_size=5), max_size=12))
@settings(max_examples=300)
def test_reading_by_column_keeps_rows_as_reading_row_by_row_did(body):
    names = ["isbn", "title", "price"]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["isbn", "note", "title", "price"])
    writer.writerows(body)
    text = buffer.getvalue()
    _read_as_row_by_row(text, names)


def _read_as_row_by_row(text: str, names: list[str]) -> None:
    """Check that read_table gives the rows the row-by-row reader gives."""
    expected = old_rows(text, names)
    if not expected:
        return  # "no rows": covered by the reader's own tests
    columns = {name: {name} for name in names}
    try:
        table = read_table(text.encode(), "rows.csv", columns, multiline=names)
    except ImportRejected as rejected:  # a direction override...: the input rule refuses it
        cells = {(number, value) for number, values in expected for value in values.values()}
        assert {problem.row for problem in rejected.problems} == {
            number for number, value in cells if _refused(value)
        }
        return
    assert [(row.number, row.values) for row in table.rows] == expected


def _refused(text: str) -> bool:
    try:
        clean_text(text, multiline=True)
    except TextRefused:
        return True
    return False


def test_rows_past_the_limit_are_refused_and_blank_ones_do_not_count(app):
    text = "isbn,title\n" + "1,a\n" * 3 + "\n" * 5 + "2,b\n"
    with app.test_request_context():
        table = read_table(
            text.encode(), "t.csv", {"isbn": {"isbn"}, "title": {"title"}}, max_rows=4
        )
        assert [row.number for row in table.rows] == [2, 3, 4, 10]
        with pytest.raises(SpreadsheetError, match="more than 3 rows"):
            read_table(text.encode(), "t.csv", {"isbn": {"isbn"}, "title": {"title"}}, max_rows=3)


PLAIN_CELL = st.sampled_from(["", " ", "a", " b ", "\u200bc\u200b", "\ufeff", "书", "x y", "\t"])
PLAIN_BODY = st.integers(1, 5).flatmap(
    lambda width: st.lists(st.lists(PLAIN_CELL, min_size=width, max_size=width), max_size=12)
)


@given(PLAIN_BODY, st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
@settings(max_examples=300)
def test_rows_without_quotes_are_read_as_row_by_row(body, newline, blank_line):
    names = ["isbn", "title", "price"]
    lines = [",".join(row) for row in [["isbn", "note", "title", "price"], *body]]
    if blank_line and body:
        lines.insert(len(lines) // 2 + 1, "")
    text = newline.join(lines) + newline
    _read_as_row_by_row(text, names)


def test_a_plain_file_is_cut_into_columns_without_the_csv_module(monkeypatch):
    text = "isbn,title,price\r\n1,a ,2\r\n, ,\r\n3,\u200bb,4\r\n"
    cut = []
    monkeypatch.setattr(
        spreadsheets, "plain_columns", lambda *args: cut.append(plain_columns(*args)) or cut[-1]
    )
    table = read_table(text.encode(), "t.csv", {name: {name} for name in ("isbn", "title")})
    assert cut == [[["1", "", "3"], ["a ", " ", "\u200bb"], ["2", "", "4"]]]
    assert table.numbers == [2, 4]  # the blank row 3 left out
    assert table.columns["isbn"] == ["1", "3"] and table.columns["title"] == ["a", "b"]
