"""ISBN rules: every honest spelling accepted, every problem refused with its own message."""

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import ean, numdb
from stdnum import isbn as stdnum_isbn

from alliance.catalogue.isbn import (
    IsbnChecksumError,
    IsbnEmptyError,
    IsbnError,
    IsbnFormatError,
    IsbnIsmnError,
    IsbnPlaceholderError,
    IsbnPrefixError,
    IsbnRangeError,
    format_isbn,
    is_valid_isbn,
    normalise_isbn,
)
from alliance.errors import DomainError

# 红楼梦, People's Literature Publishing House: ISBN-10 7-02-000220-X, ISBN-13 978-7-02-000220-7.
HONGLOUMENG = "9787020002207"
HONGLOUMENG_10 = "702000220X"

FORMAT_MESSAGE = "An ISBN has 10 or 13 digits (the last of an ISBN-10 may be X)."


def with_check_digit(body12: str) -> str:
    """Append the EAN check digit to a 12-digit body."""
    return body12 + ean.calc_check_digit(body12)


def range_defined(isbn13: str) -> bool:
    """Ask python-stdnum's range data whether group and registrant are both assigned."""
    parts = numdb.get("isbn").info(isbn13[:-1])
    return len(parts) == 4 and "agency" in parts[1][1]


def message_of(error: IsbnError, app) -> str:
    """Render a lazy error message in English."""
    with app.test_request_context(), force_locale("en"):
        return str(error.message)


@pytest.mark.parametrize(
    "text",
    [
        "9787020002207",
        "978-7-02-000220-7",
        "978 7 02 000220 7",
        "  978-7-02-000220-7\t",
        "978\u00a07\u00a002\u00a0000220\u00a07",  # no-break spaces
        "978\u30007\u300002\u3000000220\u30007",  # ideographic (full-width) spaces
        "978\u20137\u201302\u2013000220\u20137",  # en dashes, as word processors write them
        "\ufeff9787020002207\u200b",  # BOM and zero-width space from a pasted web page
        "ISBN 978-7-02-000220-7",
        "ISBN9787020002207",
        "isbn 978-7-02-000220-7",
        "ISBN: 978-7-02-000220-7",
        "ISBN-13: 978-7-02-000220-7",
        "ISBN13 9787020002207",
        "isbn-13:9787020002207",
        "ISBN：978-7-02-000220-7",  # full-width colon
        "ＩＳＢＮ：９７８－７－０２－０００２２０－７",  # all full width
        "９７８７０２０００２２０７",
        "9787020002207.0",  # Excel: number cell saved as text
        "7-02-000220-X",
        "7-02-000220-x",
        "702000220x",
        "ISBN 7-02-000220-X",
        "ISBN-10: 7-02-000220-X",
        "ISBN 10 7-02-000220-x",
    ],
)
def test_accepted_spellings_give_the_bare_isbn13(text):
    assert normalise_isbn(text) == HONGLOUMENG
    assert is_valid_isbn(text)


def test_qualifier_needs_a_separator_so_digits_after_isbn_are_kept():
    # "ISBN 1857982185": the "18" must not be taken for an "ISBN-10/13" qualifier.
    assert normalise_isbn("ISBN 1857982185") == "9781857982183"
    assert normalise_isbn("ISBN 1-85798-218-5") == "9781857982183"


def test_isbn10_is_converted_to_isbn13_like_stdnum():
    for isbn10 in ["0306406152", "1857982185", "753220006X", HONGLOUMENG_10]:
        assert stdnum_isbn.is_valid(isbn10)
        assert normalise_isbn(isbn10) == stdnum_isbn.to_isbn13(isbn10)
    assert normalise_isbn("7-5322-0006-x") == "9787532200061"


def test_numeric_spreadsheet_cells():
    assert normalise_isbn(9787020002207) == HONGLOUMENG
    assert normalise_isbn(9787020002207.0) == HONGLOUMENG
    # An ISBN-10 in a number cell loses its leading zero; the check digit still guards it.
    assert normalise_isbn(306406152) == "9780306406157"
    assert normalise_isbn(306406152.0) == "9780306406157"
    assert normalise_isbn("306406152.0") == "9780306406157"


@pytest.mark.parametrize(
    "value",
    [
        "9.78702E+12",
        "9.787020002207E+12",
        "9.78702e12",
        9787020002207.5,
        float("nan"),
        float("inf"),
        1e300,
        -9787020002207,
        pytest.param(10**5000, id="huge-int"),  # str() of it would raise ValueError
        True,
        False,
        b"9787020002207",
        ["9787020002207"],
        {"isbn": "9787020002207"},
    ],
)
def test_scientific_notation_and_odd_types_are_refused_as_format(value, app):
    with pytest.raises(IsbnFormatError) as caught:
        normalise_isbn(value)
    assert caught.value.code == "format"
    assert message_of(caught.value, app) == FORMAT_MESSAGE
    assert not is_valid_isbn(value)


@pytest.mark.parametrize(
    ("text", "error", "code", "message"),
    [
        (None, IsbnEmptyError, "empty", "Enter an ISBN."),
        ("", IsbnEmptyError, "empty", "Enter an ISBN."),
        ("  \u3000 ", IsbnEmptyError, "empty", "Enter an ISBN."),
        ("ISBN:", IsbnEmptyError, "empty", "Enter an ISBN."),
        (" - - ", IsbnEmptyError, "empty", "Enter an ISBN."),
        ("978702000220", IsbnFormatError, "format", FORMAT_MESSAGE),
        ("97870200022077", IsbnFormatError, "format", FORMAT_MESSAGE),
        ("70200022", IsbnFormatError, "format", FORMAT_MESSAGE),
        ("978-7-02-00022O-7", IsbnFormatError, "format", FORMAT_MESSAGE),  # letter O
        ("978702000220X", IsbnFormatError, "format", FORMAT_MESSAGE),  # X only in ISBN-10
        ("X02000220X", IsbnFormatError, "format", FORMAT_MESSAGE),
        ("978.7.02.000220.7", IsbnFormatError, "format", FORMAT_MESSAGE),
        ("٩٧٨٧٠٢٠٠٠٢٢٠٧", IsbnFormatError, "format", FORMAT_MESSAGE),  # Arabic-Indic digits
        ("९७८७०२०००२२०७", IsbnFormatError, "format", FORMAT_MESSAGE),  # Devanagari digits
        ("9" * 65, IsbnFormatError, "format", FORMAT_MESSAGE),
        (
            "9787020002208",
            IsbnChecksumError,
            "checksum",
            "The check digit does not match: please check the ISBN for typing mistakes.",
        ),
        (
            "7-02-000220-9",
            IsbnChecksumError,
            "checksum",
            "The check digit does not match: please check the ISBN for typing mistakes.",
        ),
        (
            "9790230671187",  # a real ISMN, valid checksum
            IsbnIsmnError,
            "ismn",
            "979-0 numbers are ISMNs (printed music), not ISBNs.",
        ),
        (
            "979-0-000000-00-0",
            IsbnIsmnError,
            "ismn",
            "979-0 numbers are ISMNs (printed music), not ISBNs.",
        ),
        (
            "9770000000000",
            IsbnPrefixError,
            "prefix",
            "An ISBN-13 starts with 978 or 979.",
        ),
        (
            "4006381333931",  # an ordinary EAN-13 barcode
            IsbnPrefixError,
            "prefix",
            "An ISBN-13 starts with 978 or 979.",
        ),
    ],
)
def test_each_problem_has_its_own_error_and_message(text, error, code, message, app):
    with pytest.raises(error) as caught:
        normalise_isbn(text)
    assert isinstance(caught.value, IsbnError)
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == code
    assert caught.value.details["code"] == code
    assert message_of(caught.value, app) == message
    assert not is_valid_isbn(text)


def test_ismn_is_what_stdnum_would_accept():
    assert stdnum_isbn.is_valid("9790230671187")
    assert not is_valid_isbn("9790230671187")


@pytest.mark.parametrize(
    "body",
    [
        "978639000000",  # group 639 lies in the 600-649 block but is not assigned
        "978999999999",  # group 99999 is not assigned
        "978630000000",  # Romania (630) exists, registrant 000000 does not
        "979900000000",  # 979-9 is not assigned
    ],
)
def test_checksum_valid_number_in_undefined_range_is_refused(body, app):
    number = with_check_digit(body)
    assert stdnum_isbn.is_valid(number)  # stdnum alone would accept it
    assert not range_defined(number)
    with pytest.raises(IsbnRangeError) as caught:
        normalise_isbn(number)
    assert caught.value.code == "undefined_range"
    assert message_of(caught.value, app) == (
        "This ISBN is not in any range assigned by the International ISBN Agency."
    )
    assert format_isbn(number) == number


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil")',
        '\'; DROP TABLE "title"; --',
        "9787020002207' OR 1=1 --",
        "1 OR 1=1",
        "\u202e9787020002207\u0000",
        "x" * 100_000,
        "🙂" * 500,
        "\ufdfa" * 64,  # NFKC expands each to 18 characters
        "ISBN" * 16,
    ],
)
def test_hostile_input_only_raises_isbn_error(text):
    with pytest.raises(IsbnError):
        normalise_isbn(text)
    assert not is_valid_isbn(text)
    assert format_isbn(text) == text


def test_format_isbn_hyphenates_by_current_ranges():
    assert format_isbn(HONGLOUMENG) == "978-7-02-000220-7"
    assert format_isbn("9787532200061") == "978-7-5322-0006-1"
    assert format_isbn("9781857982183") == "978-1-85798-218-3"
    assert format_isbn("9791032301234") == stdnum_isbn.format("9791032301234")


def test_format_isbn_returns_other_values_unchanged():
    for value in ["", "978-7-02-000220-7", "702000220X", "not an isbn", "97870200022"]:
        assert format_isbn(value) == value


# Property tests against python-stdnum.

bodies = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(["978", "979"]),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@given(bodies)
@settings(max_examples=300)
def test_isbn13_agrees_with_stdnum_except_ismn_and_undefined_ranges(body):
    number = with_check_digit(body)
    placeholder = number[3:12] == "0" * 9
    expected = (
        stdnum_isbn.is_valid(number)
        and not number.startswith("9790")
        and not placeholder
        and range_defined(number)
    )
    assert is_valid_isbn(number) == expected
    if expected:
        assert normalise_isbn(number) == number
        assert format_isbn(number) == stdnum_isbn.format(number)
    elif number.startswith("9790"):
        with pytest.raises(IsbnIsmnError):
            normalise_isbn(number)
    elif placeholder:
        with pytest.raises(IsbnPlaceholderError):
            normalise_isbn(number)
    else:
        with pytest.raises(IsbnRangeError):
            normalise_isbn(number)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
@settings(max_examples=300)
def test_isbn10_converts_and_formats_like_stdnum(body):
    isbn10 = body + stdnum_isbn._calc_isbn10_check_digit(body)
    assert stdnum_isbn.is_valid(isbn10)
    isbn13 = stdnum_isbn.to_isbn13(isbn10)
    if body == "0" * 9:
        with pytest.raises(IsbnPlaceholderError):
            normalise_isbn(isbn10)
    elif range_defined(isbn13):
        assert normalise_isbn(isbn10) == isbn13
        assert normalise_isbn(isbn10.lower()) == isbn13
        assert normalise_isbn(stdnum_isbn.format(isbn10)) == isbn13
        assert format_isbn(normalise_isbn(isbn10)) == stdnum_isbn.format(isbn10, convert=True)
    else:
        with pytest.raises(IsbnRangeError):
            normalise_isbn(isbn10)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 9))
@settings(max_examples=300)
def test_a_wrong_check_digit_is_a_checksum_error(body, digit):
    number = "978" + body[3:]
    if ean.calc_check_digit(number) == str(digit):
        return
    with pytest.raises(IsbnChecksumError):
        normalise_isbn(number + str(digit))


ISBNISH_PIECES = [
    *"0123456789xX-:：.E+ ",
    *["ISBN", "ISBN-13:", "isbn10 ", "\u00a0", "\u3000", "９", "Ｘ", "\ufeff", "\u2013"],
]
isbnish = st.lists(
    st.sampled_from(ISBNISH_PIECES),
    max_size=30,
).map("".join)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=20),
    st.text(max_size=200),
    isbnish,
)


@given(anything)
@settings(max_examples=300)
def test_any_input_raises_only_isbn_error(value):
    try:
        result = normalise_isbn(value)
    except IsbnError:
        assert not is_valid_isbn(value)
    else:
        assert len(result) == 13
        assert result.isascii()
        assert result.isdigit()
        assert is_valid_isbn(value)
        assert format_isbn(result).replace("-", "") == result


separators = st.sampled_from(["", "", "", "-", " ", "\u00a0", "\u3000", "\u2013", "－"])


@given(
    st.sampled_from(["9787020002207", "9787532200061", "9781857982183", "9791032301234"]),
    st.lists(separators, min_size=13, max_size=13),
    st.sampled_from(["", "ISBN ", "isbn:", "ISBN-13: ", "ISBN：", "ＩＳＢＮ "]),
    st.booleans(),
)
@settings(max_examples=300)
def test_separators_prefixes_and_width_do_not_matter(number, seps, prefix, full_width):
    digits = (chr(ord(d) + 0xFEE0) for d in number) if full_width else iter(number)
    text = prefix + "".join(d + sep for d, sep in zip(digits, seps, strict=True))
    assert normalise_isbn(text) == number


def _range_edges():
    """Yield 12-digit bodies at both ends of every group and registrant range, and just past."""
    for _length, prefix, _high, _props, groups in numdb.get("isbn").prefixes:
        for _length, group_low, group_high, _props, registrants in groups:
            for group in {group_low, group_high}:
                for _length, low, high, _props, _children in registrants:
                    for head in (prefix + group + low, prefix + group + high):
                        if len(head) <= 12:
                            yield head.ljust(12, "0")
                            yield head.ljust(12, "9")
                    after = str(int(high) + 1).zfill(len(high))
                    if len(prefix + group + after) <= 12:
                        yield (prefix + group + after).ljust(12, "0")


def test_split_agrees_with_stdnum_at_every_range_edge():
    # normalise_isbn and format_isbn bisect a compiled copy of python-stdnum's ranges.
    bodies = set(_range_edges())
    assert len(bodies) > 1000
    for body in bodies:
        number = with_check_digit(body)
        parts = stdnum_isbn.split(number)
        expected = number if all(parts) else None
        if number.startswith("9790") or number[3:12] == "0" * 9:  # an ISMN; the placeholder
            continue
        assert (normalise_isbn(number) if is_valid_isbn(number) else None) == expected, number
        assert format_isbn(number) == ("-".join(parts) if all(parts) else number), number


# Issue 17's edge cases.


@pytest.mark.parametrize(
    "text",
    [
        "978-9024538²70",  # a superscript two, which NFKC would read as 2
        "97890245382７0".replace("７", "\u2077"),  # superscript seven
        "①②③④⑤⑥⑦⑧⑨X",
        "٩٧٨٧٠٢٠٠٠٢٢٠٧",  # Arabic-Indic digits
        "９７８７０２０００２２０７".replace("０", "𝟎"),  # mathematical bold zero
    ],
)
def test_only_full_width_forms_are_folded(text):
    with pytest.raises(IsbnFormatError):
        normalise_isbn(text)


@pytest.mark.parametrize(
    "value", ["0000000000", "978-0-00-000000-2", "9780000000002", "0-00-000000-0", "000000000"]
)
def test_all_zero_placeholders_are_refused(value, app):
    with pytest.raises(IsbnPlaceholderError) as refused:
        normalise_isbn(value)
    assert "placeholder" in message_of(refused.value, app)


def test_a_nine_digit_text_and_a_nine_digit_number_get_the_same_answer():
    assert normalise_isbn("123456789") == normalise_isbn(123456789) == "9780123456786"
    assert normalise_isbn(" 12345678-9 ") == "9780123456786"
    with pytest.raises(IsbnChecksumError):
        normalise_isbn("123456788")
    with pytest.raises(IsbnChecksumError):
        normalise_isbn(123456788)
