"""Read, check and format ISBNs against the International ISBN Agency's current ranges."""

import functools
import math
import numbers
import re
from bisect import bisect_right

from stdnum import isbn as stdnum_isbn
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum, ValidationError

from alliance.errors import DomainError
from alliance.i18n import _l

MAX_INPUT_LENGTH = 64  # the longest honest spelling is about 25 characters
ISMN_PREFIX = "9790"  # 979-0 is the ISMN (printed music) block of the 979 Bookland prefix

# "ISBN", "ISBN:", "ISBN-13:", "isbn10 " ...; the 10/13 only counts when a colon or a space
# follows, so that "ISBN 1040..." keeps its leading digits.
_PREFIX = re.compile(r"ISBN(?:[-\s]?1[03](?=[\s:]))?\s*:?", re.IGNORECASE)
# Spaces of every kind (incl. no-break and ideographic), dashes people paste, invisible marks.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]+")
# What Excel writes when a 13-digit number cell is saved as text.
_EXCEL_DECIMAL = re.compile(r"([0-9]+)\.0+")
_ISBN10 = re.compile(r"[0-9]{9}[0-9X]")
_NINE_DIGITS = re.compile(r"[0-9]{9}")  # an ISBN-10 whose leading zero a spreadsheet dropped
# Full-width forms (U+FF01-FF5E) and the ideographic space, as Chinese input methods type them;
# nothing else is folded (NFKC would also read "²" or "①" as digits).
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_PLACEHOLDER_BODY = "0" * 9  # 978-0-00-000000-2, 0-00-000000-0: typed when the ISBN is unknown
_ISBN13 = re.compile(r"[0-9]{13}")


class IsbnError(DomainError):
    """A text is not an assignable ISBN; `code` tells which rule it broke."""

    problem = "invalid-isbn"
    code = "invalid"
    default_message = _l("An ISBN has 10 or 13 digits (the last of an ISBN-10 may be X).")

    def __init__(self, message=None, **details):
        """Build the error with this problem's message unless another is given."""
        super().__init__(message or self.default_message, code=self.code, **details)


class IsbnEmptyError(IsbnError):
    """No ISBN was given."""

    code = "empty"
    default_message = _l("Enter an ISBN.")


class IsbnFormatError(IsbnError):
    """The text has characters or a length no ISBN has."""

    code = "format"
    default_message = _l("An ISBN has 10 or 13 digits (the last of an ISBN-10 may be X).")


class IsbnChecksumError(IsbnError):
    """The check digit does not match the other digits."""

    code = "checksum"
    default_message = _l(
        "The check digit does not match: please check the ISBN for typing mistakes."
    )


class IsbnIsmnError(IsbnError):
    """The number is a 979-0 ISMN (printed music), not an ISBN."""

    code = "ismn"
    default_message = _l("979-0 numbers are ISMNs (printed music), not ISBNs.")


class IsbnRangeError(IsbnError):
    """The number is in no registration group or registrant range assigned so far."""

    code = "undefined_range"
    default_message = _l("This ISBN is not in any range assigned by the International ISBN Agency.")


class IsbnPlaceholderError(IsbnError):
    """The number is all zeros: a placeholder typed for a book's unknown ISBN."""

    code = "placeholder"
    default_message = _l("This is a placeholder, not a book's ISBN: enter the ISBN printed on it.")


class IsbnPrefixError(IsbnError):
    """A 13-digit number does not start with the Bookland prefix 978 or 979."""

    code = "prefix"
    default_message = _l("An ISBN-13 starts with 978 or 979.")


def normalise_isbn(text: object) -> str:
    """Return the ISBN-13 (13 digits) of an ISBN-10 or ISBN-13 as people and Excel write it."""
    if type(text) is str and len(text) == 13 and text.isdigit() and text.isascii():
        return _checked_isbn13(text)  # the usual cell: nothing to clean
    digits = _digits(text)
    if len(digits) == 13:
        if digits[:3] not in ("978", "979"):
            raise IsbnPrefixError()
        if digits.startswith(ISMN_PREFIX):
            raise IsbnIsmnError()
    try:
        stdnum_isbn.validate(digits)
    except InvalidChecksum:
        raise IsbnChecksumError() from None
    except ValidationError:
        raise IsbnFormatError() from None
    isbn13 = stdnum_isbn.to_isbn13(digits)
    if isbn13[3:12] == _PLACEHOLDER_BODY:
        raise IsbnPlaceholderError()
    if _split(isbn13) is None:
        raise IsbnRangeError()
    return isbn13


def _checked_isbn13(digits: str) -> str:
    """Check 13 ASCII digits as normalise_isbn does, without python-stdnum's cleaning."""
    if digits[:3] not in ("978", "979"):
        raise IsbnPrefixError()
    if digits.startswith(ISMN_PREFIX):
        raise IsbnIsmnError()
    # The EAN check, summing the digits' ASCII codes: their offsets (48 * (7 + 3 * 6)) end in 0.
    codes = digits.encode("ascii")
    if (sum(codes[0:13:2]) + 3 * sum(codes[1:12:2])) % 10:
        raise IsbnChecksumError()
    if digits[3:12] == _PLACEHOLDER_BODY:
        raise IsbnPlaceholderError()
    if _split(digits) is None:
        raise IsbnRangeError()
    return digits


def plain_isbn13s(isbns: list[str]) -> list[bool]:
    """Tell, for many texts of 13 ASCII digits at once, whether normalise_isbn accepts each."""
    import numpy  # here, as in the two helpers below: numpy is not needed to start the app

    if not isbns:
        return []
    digits = numpy.frombuffer("".join(isbns).encode("ascii"), dtype=numpy.uint8)
    digits = digits.reshape(len(isbns), 13).astype(numpy.int64) - ord("0")
    head = digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]
    ok = ((head == 978) | (head == 979)) & ~((head == 979) & (digits[:, 3] == 0))
    ok &= (digits @ numpy.array([1, 3] * 6 + [1])) % 10 == 0
    ok &= digits[:, 3:12].any(axis=1)  # not the all-zero placeholder
    index = _range_index()
    if index is None:
        assigned = numpy.array([_split(isbn) is not None for isbn in isbns], dtype=bool)
    else:
        numbers = digits[:, :12] @ (10 ** numpy.arange(11, -1, -1, dtype=numpy.int64))
        assigned = numpy.zeros(len(isbns), dtype=bool)
        _assigned(index, numbers, numpy.flatnonzero(ok), 12, 0, assigned)
    return (ok & assigned).tolist()


def _assigned(levels: list, numbers, rows, left: int, parts: int, out) -> None:
    """Set out[rows] as _split would find their ISBNs assigned, walking the ranges as _parts.

    `left` digits of the 12 before the check digit are still to be split after `parts`
    parts; rows that reach a level together are split together, a range at a time.
    """
    import numpy

    if left == 0:
        out[rows] = parts >= 4  # prefix, group, registrant and item, all found
        return
    for length, starts, children in levels:
        if length > left or not len(rows):
            break
        keys = (numbers[rows] // 10 ** (left - length)) % 10**length
        bounds, has_child = _arrays(starts, children)
        at = numpy.searchsorted(bounds, keys, side="right") - 1
        matched = has_child[at]
        for child_at in numpy.unique(at[matched]).tolist():
            group = rows[matched & (at == child_at)]
            _assigned(children[child_at], numbers, group, left - length, parts + 1, out)
        rows = rows[~matched]
    out[rows] = parts + 1 >= 4  # no range matches: the rest is kept whole as one more part


_ARRAYS: dict[int, tuple] = {}  # id(starts) -> the level's bounds and children as arrays


def _arrays(starts: list, children: list) -> tuple:
    """Return a level's starts as integers ("" as -1) and which intervals have children."""
    import numpy

    arrays = _ARRAYS.get(id(starts))
    if arrays is None or arrays[2] is not starts:
        bounds = numpy.array([-1] + [int(start) for start in starts[1:]], dtype=numpy.int64)
        has_child = numpy.array([child is not None for child in children], dtype=bool)
        arrays = _ARRAYS[id(starts)] = (bounds, has_child, starts)
    return arrays[0], arrays[1]


def format_isbn(isbn13: str) -> str:
    """Hyphenate a 13-digit ISBN by the current ranges; return anything else unchanged."""
    if not isinstance(isbn13, str) or not _ISBN13.fullmatch(isbn13):
        return isbn13
    parts = _split(isbn13)
    return "-".join(parts) if parts else isbn13


def is_valid_isbn(text: object) -> bool:
    """Tell whether normalise_isbn accepts the text."""
    try:
        normalise_isbn(text)
    except IsbnError:
        return False
    return True


def _digits(text: object) -> str:
    """Reduce an input to its bare digits (and final X), or raise empty/format errors."""
    if text is None:
        raise IsbnEmptyError()
    if isinstance(text, bool):
        raise IsbnFormatError()
    if isinstance(text, numbers.Integral):
        return _from_number(int(text))
    if isinstance(text, float):
        # Excel hands numeric cells over as floats: exact up to 2**53, far above 13 digits.
        if not math.isfinite(text) or not text.is_integer():
            raise IsbnFormatError()
        return _from_number(int(text))
    if not isinstance(text, str):
        raise IsbnFormatError()
    if len(text) > MAX_INPUT_LENGTH:
        raise IsbnFormatError()
    cleaned = text.translate(_FULL_WIDTH).strip()
    if not cleaned:
        raise IsbnEmptyError()
    prefix = _PREFIX.match(cleaned)
    if prefix:
        cleaned = cleaned[prefix.end() :]
    cleaned = _SEPARATORS.sub("", cleaned).upper()
    if not cleaned:
        raise IsbnEmptyError()
    excel = _EXCEL_DECIMAL.fullmatch(cleaned)
    if excel:
        return _from_number(excel.group(1))
    if _NINE_DIGITS.fullmatch(cleaned):  # the same answer as the number 123456789 gets
        return _from_number(cleaned)
    if not (_ISBN10.fullmatch(cleaned) or _ISBN13.fullmatch(cleaned)):
        raise IsbnFormatError()
    return cleaned


def _from_number(value: int | str) -> str:
    """Spell a numeric spreadsheet cell as digits, restoring an ISBN-10's lost leading zero."""
    if isinstance(value, int) and not 0 <= value < 10**13:
        raise IsbnFormatError()  # also spares str() of a huge int
    digits = str(value)
    if len(digits) == 9:
        digits = "0" + digits
    if not (_ISBN10.fullmatch(digits) or _ISBN13.fullmatch(digits)):
        raise IsbnFormatError()
    return digits


def _split(isbn13: str) -> tuple[str, ...] | None:
    """Split an ISBN-13 into prefix, group, registrant, item and check digit, if all assigned."""
    index = _range_index()
    parts = stdnum_isbn.split(isbn13) if index is None else _parts(index, isbn13)
    # The range data may lack the group or the registrant: that part is then left empty.
    return parts if all(parts) else None


def _parts(index: list, isbn13: str) -> tuple[str, str, str, str, str]:
    """Split as python-stdnum's isbn.split does, bisecting the compiled ranges."""
    number = isbn13[:-1]
    found = []
    levels = index
    while number:
        child = None
        for length, starts, children in levels:
            if length > len(number):
                break
            child = children[bisect_right(starts, number[:length]) - 1]
            if child is not None:
                break
        if child is None:
            found.append(number)  # no range matches: python-stdnum keeps the rest whole
            break
        found.append(number[:length])
        number = number[length:]
        levels = child
    item = found.pop() if found else ""
    prefix = found.pop(0) if found else ""
    group = found.pop(0) if found else ""
    registrant = found.pop(0) if found else ""
    return prefix, group, registrant, item, isbn13[-1]


@functools.cache
def _range_index() -> list | None:
    """Compile python-stdnum's ISBN ranges for bisection; None if they cannot be."""
    try:
        return _compile(numdb.get("isbn").prefixes, {})
    except ValueError:
        return None


def _compile(prefixes: list, memo: dict) -> list:
    """Turn one level of numdb ranges into (length, starts, children) by ascending length.

    numdb takes the shortest length with a matching range and merges the children of every
    range of that length that matches, so ranges may overlap (978's "0-5" line overlaps the
    groups 0 to 5). Cut each length's span into the intervals between range bounds: every
    number in an interval matches the same ranges. `children[i]` is the compiled merged
    children of the interval starting at `starts[i]`, or None where no range matches.
    """
    by_length: dict[int, list] = {}
    for entry in prefixes:
        length, low, high = entry[:3]
        if not (low.isdigit() and high.isdigit() and len(high) == length and low <= high):
            raise ValueError(f"unexpected range {low}-{high}")
        by_length.setdefault(length, []).append(entry)
    levels = []
    for length in sorted(by_length):
        entries = by_length[length]
        bounds = {low for _length, low, *_rest in entries}
        bounds.update(
            str(int(high) + 1).zfill(length)
            for _length, _low, high, *_rest in entries
            if int(high) + 1 < 10**length
        )
        starts, children = [""], [None]  # "" sorts before any key: bisection never gives -1
        for start in sorted(bounds):
            matching = [entry for entry in entries if entry[1] <= start <= entry[2]]
            starts.append(start)
            children.append(_merged_children(matching, memo) if matching else None)
        levels.append((length, starts, children))
    return levels


def _merged_children(matching: list, memo: dict) -> list:
    key = tuple(id(entry[4]) for entry in matching)
    if key not in memo:
        memo[key] = _compile([child for entry in matching for child in entry[4]], memo)
    return memo[key]
