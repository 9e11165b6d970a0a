"""Title rules: the shortcuts for common spellings read them as the general path does."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.catalogue.rules import read_title
from alliance.errors import FieldsInvalid
from alliance.money import parse_money

BASE = {"isbn": "9787020002207", "title": "红楼梦"}


def problems_of(values: dict) -> dict:
    with pytest.raises(FieldsInvalid) as caught:
        read_title({**BASE, **values})
    return caught.value.problems


@given(
    st.sampled_from(["", "¥", "CNY", "RMB"]),
    st.integers(0, 10**12 - 1),
    st.sampled_from([None, "", "0", "5", "05", "50", "99"]),
)
@settings(max_examples=300)
def test_plain_prices_read_as_parse_money_reads_them(prefix, whole, cents):
    text = f"{prefix}{whole}" + ("" if cents is None else f".{cents}")
    assert read_title({**BASE, "price": text}).list_price_fen == parse_money(text)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("59.70", 5970), ("¥59.7", 5970), ("CNY12", 1200), ("１２元", 1200), ("1,234.5", 123450)],
)
def test_prices_with_and_without_the_shortcut(text, fen):
    assert read_title({**BASE, "price": text}).list_price_fen == fen


@given(st.dates(min_value=date(1000, 1, 1)))
@settings(max_examples=200)
def test_iso_dates_read_as_chinese_and_slashed_dates(day):
    iso = read_title({**BASE, "publication_date": day.isoformat()}).publication_date
    chinese = f"{day.year}年{day.month}月{day.day}日"
    assert iso == day == read_title({**BASE, "publication_date": chinese}).publication_date
    slashed = f"{day.year}/{day.month}/{day.day}"
    assert read_title({**BASE, "publication_date": slashed}).publication_date == day


@pytest.mark.parametrize("text", ["2021-02-30", "2021-13-01", "0000-01-01", "2021-1-1-1"])
def test_impossible_dates_are_refused(app, text):
    with app.test_request_context():
        assert problems_of({"publication_date": text}) == {
            "publication_date": "Enter a date such as 2021-04-23."
        }


@pytest.mark.parametrize(
    ("field", "plain", "wide", "value"),
    [
        ("page_count", "1606", "１６０６", 1606),
        ("clc_class", "I242.47", "ｉ２４２．４７", "I242.47"),
        ("language", "en", "ＥＮ", "en"),
        ("format", "hardback", "ＨＡＲＤＢＡＣＫ", "hardback"),
    ],
)
def test_ascii_shortcuts_agree_with_full_width_spellings(field, plain, wide, value):
    attribute = {"page_count": "page_count"}.get(field, field)
    assert getattr(read_title({**BASE, field: plain}), attribute) == value
    assert getattr(read_title({**BASE, field: wide}), attribute) == value


def test_every_problem_is_listed_in_field_order(app):
    values = {
        "isbn": "9787020002208",
        "title": "",
        "authors": "x" * 201,
        "format": "scroll",
        "language": "klingon",
        "clc_class": "1",
        "thema_code": "-",
        "publication_date": "soon",
        "price": "abc",
        "page_count": "-3",
        "description": "d" * 10_001,
        "status": "lost",
    }
    with app.test_request_context():
        assert list(problems_of(values)) == [
            "isbn", "title", "contributors", "format", "language", "clc_class", "thema_code",
            "publication_date", "price", "page_count", "description", "status",
        ]  # fmt: skip


def test_empty_optional_values_take_their_defaults():
    title = read_title({**BASE, "subtitle": "", "format": " ", "language": "", "status": ""})
    assert (title.subtitle, title.format, title.language, title.status) == (
        None,
        "paperback",
        "zh",
        "active",
    )
    assert read_title({**BASE, "list_price_fen": None}).list_price_fen is None
