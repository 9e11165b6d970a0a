"""Money as integer fen: read amounts typed in digits with Decimal; format as CNY for the locale."""

import re
from decimal import Decimal

from babel.numbers import format_currency
from flask_babel import get_locale

from alliance.cleaning import NumberRefused, read_decimal
from alliance.errors import DomainError
from alliance.i18n import _l

FEN_PER_YUAN = 100
MAX_FEN = 10**15  # ten trillion yuan: beyond any budget, well inside BIGINT
MAX_YUAN = Decimal(MAX_FEN) / FEN_PER_YUAN
CURRENCY_MARK = re.compile(r"([+-]?)\s*(?:[¥￥]|CNY|RMB)?\s*(.*?)\s*元?", re.IGNORECASE | re.DOTALL)
AMOUNT_MESSAGE = _l("Enter an amount such as 12.50.")


class MoneyError(DomainError):
    """An amount of money could not be read."""


def parse_money(text: str | int | Decimal, *, allow_negative: bool = False) -> int:
    """Read an amount in yuan ('1,234.50', '¥12', '１２元') and return integer fen.

    The number is written in ASCII or full-width digits, maybe with thousands separators and
    a point; a currency mark may lead (¥, ￥, CNY, RMB) or 元 follow. Anything else is
    refused ('²', '٣', '1e3', 'NaN', '1¥0'), so that no amount is read from what is no
    number. The marks are units, not digits: '¥10' says ten yuan in every spreadsheet.
    """
    if isinstance(text, bool):
        raise MoneyError(AMOUNT_MESSAGE)
    if isinstance(text, int):
        amount = Decimal(text)
    elif isinstance(text, Decimal):
        amount = text
    else:
        try:
            amount = read_decimal(_without_currency(str(text)), AMOUNT_MESSAGE)
        except NumberRefused as error:
            raise MoneyError(error.message) from None
    if not amount.is_finite():
        raise MoneyError(AMOUNT_MESSAGE)
    if amount.as_tuple().exponent < -2:
        raise MoneyError(_l("An amount can have at most two decimal places."))
    if amount < 0 and not allow_negative:
        raise MoneyError(_l("The amount cannot be negative."))
    if abs(amount) > MAX_YUAN:
        raise MoneyError(_l("The amount is too large."))
    return int(amount * FEN_PER_YUAN)


def _without_currency(text: str) -> str:
    """Return an amount's text without one leading currency mark and one trailing 元."""
    sign, number = CURRENCY_MARK.fullmatch(text.strip()).groups()
    return sign + number


def format_money(fen: int | None, locale=None) -> str:
    """Format integer fen as CNY for the current (or given) locale."""
    if fen is None:
        return ""
    return format_currency(
        Decimal(fen) / FEN_PER_YUAN, "CNY", locale=str(locale or get_locale() or "en")
    )


def yuan_text(fen: int | None) -> str:
    """Write fen as a plain yuan amount for forms and files ('59.80'); empty for None."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"
