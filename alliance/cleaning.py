"""The one input-cleaning rule: text and numbers as every form, API call and import takes them."""

import re
from decimal import Decimal

from alliance.i18n import _l

# C0/C1 controls other than tab and line breaks (NUL breaks PostgreSQL), and bidirectional
# embeddings, overrides and isolates (they disguise text: "invoice\u202egpj.exe").
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Lone surrogates (JSON may spell them "\ud800"; no database stores them) and non-characters.
BROKEN_CHARACTERS = re.compile("[\ud800-\udfff\ufffe\uffff]")
LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
# All a text of each kind may not hold, for one scan of a whole column of a spreadsheet.
REFUSED_IN_TEXT = re.compile(f"{FORBIDDEN_CHARACTERS.pattern}|{BROKEN_CHARACTERS.pattern}")
REFUSED_IN_LINE = re.compile(f"{REFUSED_IN_TEXT.pattern}|{LINE_BREAKS.pattern}")
MAX_LINE = 5_000  # characters of a one-line field that sets no limit of its own
MAX_TEXT = 100_000  # characters of a multi-line field that sets no limit of its own

CONTROL_MESSAGE = _l("Remove the invisible control characters from this text.")
BROKEN_MESSAGE = _l("This text holds a character that is not valid Unicode: type it again.")
LINE_MESSAGE = _l("Keep this on one line: remove the line breaks and tabs.")

# Numbers: ASCII digits, or the full-width ones a Chinese input method types.
FULL_WIDTH = str.maketrans("０１２３４５６７８９．，＋－", "0123456789.,+-")
GROUPED = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+"
WHOLE_NUMBER = re.compile(rf"([+-]?)({GROUPED})(?:\.0*)?", re.ASCII)  # "1200.0": Excel's
DECIMAL_NUMBER = re.compile(rf"[+-]?(?:(?:{GROUPED})(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
MAX_DIGITS = 40  # digits read of a number: far more than any bound needs
MAX_INTEGER = 2**31 - 1  # an INTEGER column

WHOLE_MESSAGE = _l("Enter a whole number in digits, such as 120.")
DECIMAL_MESSAGE = _l("Enter a number in digits, such as 12.5.")


class TextRefused(ValueError):
    """A text breaks the input rule; the message is translatable and names no value."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NumberRefused(ValueError):
    """A number is not written in digits, or lies outside its bounds."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def too_long(limit: int):
    """Return the message for a text longer than `limit` characters."""
    return _l("This text is too long: at most %(max)s characters.", max=f"{limit:,}")


def clean_text(value: str, *, multiline: bool = False, max_length: int | None = None) -> str:
    """Return `value` without surrounding whitespace, or raise TextRefused saying why not.

    Refused: control characters (tab and line breaks only in multi-line text), direction
    overrides, lone surrogates and non-characters, and text longer than the field allows.
    """
    if value.isprintable():  # most input: no control, format or separator character at all
        text = value.strip()
    else:
        if BROKEN_CHARACTERS.search(value):
            raise TextRefused(BROKEN_MESSAGE)
        if FORBIDDEN_CHARACTERS.search(value):
            raise TextRefused(CONTROL_MESSAGE)
        text = value.strip()
        if not multiline and LINE_BREAKS.search(text):
            raise TextRefused(LINE_MESSAGE)
    limit = max_length or (MAX_TEXT if multiline else MAX_LINE)
    if len(text) > limit:
        raise TextRefused(too_long(limit))
    return text


def plain_digits(value: str) -> str:
    """Return a number's text with full-width digits, point, comma and signs made ASCII."""
    return value.translate(FULL_WIDTH).strip()


def whole_number_text(value: str) -> str:
    """Return a whole number typed in digits as plain ASCII ('１，２００' -> '1200')."""
    found = WHOLE_NUMBER.fullmatch(plain_digits(value))
    if found is None:
        raise NumberRefused(WHOLE_MESSAGE)
    return found[1] + found[2].replace(",", "")


def read_whole_number(
    value: str | int, *, minimum: int = 0, maximum: int = MAX_INTEGER, range_message=None
) -> int:
    """Read a whole number written in digits ('1,200', '１２００', '1200.0') within bounds.

    `range_message`, when given, replaces the message for a number out of bounds.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise NumberRefused(WHOLE_MESSAGE)
    if isinstance(value, int):
        number = value
    else:
        text = whole_number_text(value)
        # Far beyond any bound (400 digits...): refused as out of range without reading it.
        number = int(text) if len(text) <= MAX_DIGITS else None
    if number is None or not minimum <= number <= maximum:
        raise NumberRefused(
            range_message
            or _l(
                "Enter a whole number from %(min)s to %(max)s.",
                min=f"{minimum:,}",
                max=f"{maximum:,}",
            )
        )
    return number


def read_decimal(value: str, message=None) -> Decimal:
    """Read a number written in digits ('1,234.50', '１２．５') as a Decimal."""
    text = plain_digits(value) if isinstance(value, str) else ""
    if not DECIMAL_NUMBER.fullmatch(text):
        raise NumberRefused(message or DECIMAL_MESSAGE)
    return Decimal(text.replace(",", ""))
