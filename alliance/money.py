"""Money as integer fen: parse user input with Decimal and format as CNY for the locale."""

import unicodedata
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from flask_babel import get_locale

from alliance.errors import DomainError
from alliance.i18n import _l

FEN_PER_YUAN = 100
MAX_FEN = 10**15  # ten trillion yuan: beyond any budget, well inside BIGINT


class MoneyError(DomainError):
    """An amount of money could not be read."""


def parse_money(text: str | int | Decimal, *, allow_negative: bool = False) -> int:
    """Read an amount in yuan ('1,234.50', '¥12', '１２元') and return integer fen."""
    if isinstance(text, bool):
        raise MoneyError(_l("Enter an amount such as 12.50."))
    if isinstance(text, int):
        text = str(text)
    cleaned = unicodedata.normalize("NFKC", str(text)).strip()
    for token in ("CNY", "RMB", "¥", "元", ",", " "):
        cleaned = cleaned.replace(token, "")
    if not cleaned:
        raise MoneyError(_l("Enter an amount such as 12.50."))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(_l("Enter an amount such as 12.50.")) from None
    if not amount.is_finite():
        raise MoneyError(_l("Enter an amount such as 12.50."))
    if amount.as_tuple().exponent < -2:
        raise MoneyError(_l("An amount can have at most two decimal places."))
    if amount < 0 and not allow_negative:
        raise MoneyError(_l("The amount cannot be negative."))
    fen = int(amount * FEN_PER_YUAN)
    if abs(fen) > MAX_FEN:
        raise MoneyError(_l("The amount is too large."))
    return fen


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
