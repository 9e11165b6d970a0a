"""Read a title from text or JSON values: one validation for the form, the API and imports."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from alliance.catalogue.isbn import normalise_isbn
from alliance.catalogue.models import ContributorRole, TitleFormat, TitleStatus
from alliance.errors import DomainError
from alliance.money import MoneyError, parse_money

MAX_TITLE = 300
MAX_NAME = 200
MAX_DESCRIPTION = 10_000
MAX_CONTRIBUTORS = 50
CLC_PATTERN = re.compile(r"^[A-Z][A-Z0-9.\-/=:()]{0,31}$")  # 中图法: I247.5, TP311.1, K825.6=76
THEMA_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9\-]{0,15}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
NAME_SEPARATORS = re.compile(r"[;；、,，/\n]+")
ROLE_FIELDS = {
    "authors": ContributorRole.AUTHOR,
    "editors": ContributorRole.EDITOR,
    "translators": ContributorRole.TRANSLATOR,
    "illustrators": ContributorRole.ILLUSTRATOR,
}
FORMAT_WORDS = {
    "paperback": TitleFormat.PAPERBACK, "平装": TitleFormat.PAPERBACK, "pb": TitleFormat.PAPERBACK,
    "hardback": TitleFormat.HARDBACK, "hardcover": TitleFormat.HARDBACK,
    "精装": TitleFormat.HARDBACK,
    "ebook": TitleFormat.EBOOK, "e-book": TitleFormat.EBOOK, "电子书": TitleFormat.EBOOK,
    "audiobook": TitleFormat.AUDIOBOOK, "有声书": TitleFormat.AUDIOBOOK,
}  # fmt: skip
STATUS_WORDS = {
    "forthcoming": TitleStatus.FORTHCOMING, "即将出版": TitleStatus.FORTHCOMING,
    "active": TitleStatus.ACTIVE, "在售": TitleStatus.ACTIVE,
    "withdrawn": TitleStatus.WITHDRAWN, "停售": TitleStatus.WITHDRAWN,
}  # fmt: skip


class TitleInvalid(DomainError):
    """Some values of a title are not valid; `problems` maps each field to why."""

    status = 422
    problem = "validation-error"

    def __init__(self, problems: dict[str, str]):
        super().__init__(_l("Some values are not valid."), errors=problems)
        self.problems = problems


@dataclass
class TitleInput:
    """A title's values, checked and normalised."""

    isbn: str
    title: str
    subtitle: str | None = None
    contributors: list[tuple[str, str]] = field(default_factory=list)
    format: str = TitleFormat.PAPERBACK.value
    language: str = "zh"
    clc_class: str | None = None
    thema_code: str | None = None
    publication_date: date | None = None
    list_price_fen: int | None = None
    page_count: int | None = None
    description: str | None = None
    status: str = TitleStatus.ACTIVE.value


def _text(value) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text


def _word(value, words: dict, message) -> str:
    key = unicodedata.normalize("NFKC", _text(value)).casefold().replace(" ", "")
    if key in words:
        return words[key].value
    raise ValueError(message)


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None
    text = (
        text.replace("年", "-")
        .replace("月", "-")
        .replace("日", "")
        .replace("/", "-")
        .replace(".", "-")
    )
    parts = [part for part in text.split("-") if part]
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 2:  # "2021-04": books are often dated by month
            numbers.append(1)
        return date(*numbers)
    except (ValueError, TypeError):
        raise ValueError(_l("Enter a date such as 2021-04-23.")) from None


def _count(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_l("Enter a whole number of pages."))
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not 0 < int(text) < 100_000:
        raise ValueError(_l("Enter a whole number of pages."))
    return int(text)


def _contributors(values) -> list[tuple[str, str]]:
    listed = values.get("contributors")
    people: list[tuple[str, str]] = []
    if isinstance(listed, list):
        for entry in listed:
            if not isinstance(entry, dict):
                raise ValueError(_l("List contributors as objects with a name and a role."))
            role = _text(entry.get("role") or "author").lower()
            if role not in {r.value for r in ContributorRole}:
                raise ValueError(
                    _l("A contributor's role is author, editor, translator or illustrator.")
                )
            people.append((_text(entry.get("name")), role))
    for field_name, role in ROLE_FIELDS.items():
        for name in NAME_SEPARATORS.split(_text(values.get(field_name))):
            people.append((name.strip(), role.value))
    people = [(name, role) for name, role in people if name]
    if len(people) > MAX_CONTRIBUTORS:
        raise ValueError(_l("A title can list at most %(n)s contributors.", n=MAX_CONTRIBUTORS))
    if any(len(name) > MAX_NAME for name, _role in people):
        raise ValueError(_l("A contributor's name can have at most %(n)s characters.", n=MAX_NAME))
    return people


def read_title(values: dict) -> TitleInput:
    """Check every value of a title at once; raise TitleInvalid listing each problem."""
    problems: dict[str, str] = {}
    result: dict = {}

    def check(name, parse):
        try:
            result[name] = parse(values.get(name))
        except (ValueError, DomainError) as error:
            message = error.message if isinstance(error, DomainError) else error.args[0]
            problems[name] = str(message)

    check("isbn", normalise_isbn)
    check("title", lambda v: _required(v, MAX_TITLE, _l("Enter the title.")))
    check("subtitle", lambda v: _optional(v, MAX_TITLE))
    try:
        result["contributors"] = _contributors(values)
    except ValueError as error:
        problems["contributors"] = str(error.args[0])
    check(
        "format",
        lambda v: (
            _word(v, FORMAT_WORDS, _l("The format is paperback, hardback, ebook or audiobook."))
            if _text(v)
            else TitleFormat.PAPERBACK.value
        ),
    )
    check("language", _language)
    check(
        "clc_class",
        lambda v: _coded(v, CLC_PATTERN, _l("Enter a CLC class such as I247.5 or TP311.")),
    )
    check("thema_code", lambda v: _coded(v, THEMA_PATTERN, _l("Enter a Thema code such as FBA.")))
    check("publication_date", _date)
    if "list_price_fen" in values:  # the API speaks fen; forms and spreadsheets speak yuan
        check("list_price_fen", _fen)
    else:
        try:
            result["list_price_fen"] = _price(values.get("price"))
        except ValueError as error:
            problems["price"] = str(error.args[0])
    check("page_count", _count)
    check("description", lambda v: _optional(v, MAX_DESCRIPTION))
    check(
        "status",
        lambda v: (
            _word(v, STATUS_WORDS, _l("The status is forthcoming, active or withdrawn."))
            if _text(v)
            else TitleStatus.ACTIVE.value
        ),
    )
    if problems:
        raise TitleInvalid(problems)
    return TitleInput(**result)


def _required(value, limit: int, message) -> str:
    text = _text(value)
    if not text:
        raise ValueError(message)
    if len(text) > limit:
        raise ValueError(_l("Use at most %(n)s characters.", n=limit))
    return text


def _optional(value, limit: int) -> str | None:
    text = _text(value)
    if len(text) > limit:
        raise ValueError(_l("Use at most %(n)s characters.", n=limit))
    return text or None


def _coded(value, pattern: re.Pattern, message) -> str | None:
    text = unicodedata.normalize("NFKC", _text(value)).upper().replace(" ", "")
    if not text:
        return None
    if not pattern.match(text):
        raise ValueError(message)
    return text


def _language(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    aliases = {
        "": "zh",
        "中文": "zh",
        "chinese": "zh",
        "汉语": "zh",
        "english": "en",
        "英文": "en",
        "zh-cn": "zh",
        "zh_cn": "zh",
        "chi": "zh",
        "zho": "zh",
        "eng": "en",
    }
    text = aliases.get(text, text)
    if not LANGUAGE_PATTERN.match(text):
        raise ValueError(_l("Enter a language code such as zh or en."))
    return text


def _fen(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**12:
        raise ValueError(_l("Give the price as a whole number of fen (1 yuan = 100 fen)."))
    return value


def _price(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_money(value)
    except MoneyError as error:
        raise ValueError(error.message) from None
