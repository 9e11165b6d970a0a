"""The one reader of days people type or spreadsheets hold: ISO, 2021/4/23, 2021年4月23日, Excel."""

import re
import unicodedata
from datetime import date, datetime

from alliance.i18n import _l

DATE_MESSAGE = _l("Enter a date such as 2021-04-23.")
DAY_MARKS = str.maketrans({"年": "-", "月": "-", "/": "-", ".": "-"})
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)  # most cells: read at once


def read_day(value, *, required: bool = False, month_is_enough: bool = False) -> date | None:
    """Return the day `value` names (None when empty and not required) or raise ValueError.

    Accepts a date or datetime, "2021-04-23", "2021/4/23", "2021.4.23", "2021年4月23日", in
    full-width digits too, and an Excel date-time ("2021-04-23 00:00:00": the day counts).
    With `month_is_enough`, "2021-04" is the first of that month (books are dated by month).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if type(value) is str and ISO_DAY.fullmatch(value):
        try:
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        if required:
            raise ValueError(DATE_MESSAGE)
        return None
    if " " in text:
        text = text.split(" ", 1)[0]
    parts = text.translate(DAY_MARKS).removesuffix("日").strip("-").split("-")
    if len(parts) == 2 and month_is_enough:
        parts.append("1")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(DATE_MESSAGE)
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValueError(DATE_MESSAGE) from None
