"""Read a title from text or JSON values: one validation for the form, the API and imports."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from alliance.catalogue.isbn import normalise_isbn
from alliance.catalogue.models import ContributorRole, TitleFormat, TitleStatus
from alliance.cleaning import NumberRefused, read_whole_number
from alliance.dates import read_day
from alliance.errors import DomainError, FieldsInvalid
from alliance.i18n import _l
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


FORMAT_MESSAGE = _l("The format is paperback, hardback, ebook or audiobook.")
STATUS_MESSAGE = _l("The status is forthcoming, active or withdrawn.")
TITLE_MESSAGE = _l("Enter the title.")
CLC_MESSAGE = _l("Enter a CLC class such as I247.5 or TP311.")
THEMA_MESSAGE = _l("Enter a Thema code such as FBA.")
PAGES_MESSAGE = _l("Enter a whole number of pages.")
LANGUAGE_MESSAGE = _l("Enter a language code such as zh or en.")
FEN_MESSAGE = _l("Give the price as a whole number of fen (1 yuan = 100 fen).")
LANGUAGE_ALIASES = {
    "": "zh", "中文": "zh", "chinese": "zh", "汉语": "zh", "english": "en", "英文": "en",
    "zh-cn": "zh", "zh_cn": "zh", "chi": "zh", "zho": "zh", "eng": "en",
}  # fmt: skip
ROLES = frozenset(role.value for role in ContributorRole)
ROLE_VALUES = tuple((name, role.value) for name, role in ROLE_FIELDS.items())
DEFAULT_FORMAT = TitleFormat.PAPERBACK.value
FORMAT_VALUES = {word: item.value for word, item in FORMAT_WORDS.items()}
STATUS_VALUES = {word: item.value for word, item in STATUS_WORDS.items()}
DEFAULT_STATUS = TitleStatus.ACTIVE.value
# The spellings most cells use, read without the general path's normalising and splitting;
# anything else (full-width digits, 年月日, 元, thousands separators...) takes that path.
PLAIN_PRICE = re.compile(r"(?:¥|CNY|RMB)?([0-9]{1,12})(?:\.([0-9]{1,2}))?")


def _text(value) -> str:
    if value is None:
        return ""
    if type(value) is str and value.isascii():
        return value.strip()  # NFC leaves ASCII as it is
    return unicodedata.normalize("NFC", str(value)).strip()


def _word(value, words: dict, message) -> str:
    key = unicodedata.normalize("NFKC", _text(value)).casefold().replace(" ", "")
    if key in words:
        return words[key].value
    raise ValueError(message)


def _count(value) -> int | None:
    if value is None or value == "":
        return None
    if type(value) is str and value.isascii() and value.isdigit() and 0 < int(value) < 100_000:
        return int(value)
    try:
        return read_whole_number(value, minimum=1, maximum=99_999)
    except NumberRefused:
        raise ValueError(PAGES_MESSAGE) from None


def _contributors(values) -> list[tuple[str, str]]:
    listed = values.get("contributors")
    people: list[tuple[str, str]] = []
    if isinstance(listed, list):
        for entry in listed:
            if not isinstance(entry, dict):
                raise ValueError(_l("List contributors as objects with a name and a role."))
            role = _text(entry.get("role") or "author").lower()
            if role not in ROLES:
                raise ValueError(
                    _l("A contributor's role is author, editor, translator or illustrator.")
                )
            name = _text(entry.get("name"))
            if name:
                people.append((name, role))
    for field_name, role in ROLE_VALUES:
        text = _text(values.get(field_name))
        if not text:
            continue
        for name in NAME_SEPARATORS.split(text):
            name = name.strip()
            if name:
                people.append((name, role))
    if len(people) > MAX_CONTRIBUTORS:
        raise ValueError(_l("A title can list at most %(n)s contributors.", n=MAX_CONTRIBUTORS))
    for name, _role in people:
        if len(name) > MAX_NAME:
            raise ValueError(
                _l("A contributor's name can have at most %(n)s characters.", n=MAX_NAME)
            )
    return people


def _format(value) -> str:
    if value is None or value == "":
        return DEFAULT_FORMAT
    if type(value) is str and value in FORMAT_VALUES:  # already folded as _word folds
        return FORMAT_VALUES[value]
    if _text(value):
        return _word(value, FORMAT_WORDS, FORMAT_MESSAGE)
    return DEFAULT_FORMAT


def _status(value) -> str:
    if value is None or value == "":
        return DEFAULT_STATUS
    if type(value) is str and value in STATUS_VALUES:
        return STATUS_VALUES[value]
    if _text(value):
        return _word(value, STATUS_WORDS, STATUS_MESSAGE)
    return DEFAULT_STATUS


def read_title(values: dict) -> TitleInput:
    """Check every value of a title at once; raise FieldsInvalid listing each problem."""
    # Spelled out field by field: this runs for every row of an import of 100,000 titles.
    problems: dict[str, str] = {}
    get = values.get
    isbn = title = subtitle = clc_class = thema_code = publication_date = None
    list_price_fen = page_count = description = None
    contributors: list[tuple[str, str]] = []
    format_ = DEFAULT_FORMAT
    language = "zh"
    status = DEFAULT_STATUS
    try:
        isbn = normalise_isbn(get("isbn"))
    except (ValueError, DomainError) as error:
        problems["isbn"] = _message(error)
    try:
        title = _required(get("title"), MAX_TITLE, TITLE_MESSAGE)
    except (ValueError, DomainError) as error:
        problems["title"] = _message(error)
    try:
        subtitle = _optional(get("subtitle"), MAX_TITLE)
    except (ValueError, DomainError) as error:
        problems["subtitle"] = _message(error)
    try:
        contributors = _contributors(values)
    except ValueError as error:
        problems["contributors"] = str(error.args[0])
    try:
        format_ = _format(get("format"))
    except (ValueError, DomainError) as error:
        problems["format"] = _message(error)
    try:
        language = _language(get("language"))
    except (ValueError, DomainError) as error:
        problems["language"] = _message(error)
    try:
        clc_class = _coded(get("clc_class"), CLC_PATTERN, CLC_MESSAGE)
    except (ValueError, DomainError) as error:
        problems["clc_class"] = _message(error)
    try:
        thema_code = _coded(get("thema_code"), THEMA_PATTERN, THEMA_MESSAGE)
    except (ValueError, DomainError) as error:
        problems["thema_code"] = _message(error)
    try:
        publication_date = read_day(get("publication_date"), month_is_enough=True)
    except (ValueError, DomainError) as error:
        problems["publication_date"] = _message(error)
    if "list_price_fen" in values:  # the API speaks fen; forms and spreadsheets speak yuan
        try:
            list_price_fen = _fen(get("list_price_fen"))
        except (ValueError, DomainError) as error:
            problems["list_price_fen"] = _message(error)
    else:
        try:
            list_price_fen = _price(get("price"))
        except ValueError as error:
            problems["price"] = str(error.args[0])
    try:
        page_count = _count(get("page_count"))
    except (ValueError, DomainError) as error:
        problems["page_count"] = _message(error)
    try:
        description = _optional(get("description"), MAX_DESCRIPTION)
    except (ValueError, DomainError) as error:
        problems["description"] = _message(error)
    try:
        status = _status(get("status"))
    except (ValueError, DomainError) as error:
        problems["status"] = _message(error)
    if problems:
        raise FieldsInvalid(problems)
    return TitleInput(
        isbn=isbn,
        title=title,
        subtitle=subtitle,
        contributors=contributors,
        format=format_,
        language=language,
        clc_class=clc_class,
        thema_code=thema_code,
        publication_date=publication_date,
        list_price_fen=list_price_fen,
        page_count=page_count,
        description=description,
        status=status,
    )


def _message(error: Exception) -> str:
    return str(error.message if isinstance(error, DomainError) else error.args[0])


def _required(value, limit: int, message) -> str:
    text = _text(value)
    if not text:
        raise ValueError(message)
    if len(text) > limit:
        raise ValueError(_l("Use at most %(n)s characters.", n=limit))
    return text


def _optional(value, limit: int) -> str | None:
    if value is None or value == "":
        return None
    text = _text(value)
    if len(text) > limit:
        raise ValueError(_l("Use at most %(n)s characters.", n=limit))
    return text or None


def _coded(value, pattern: re.Pattern, message) -> str | None:
    if value is None or value == "":
        return None
    text = _text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.upper().replace(" ", "")
    if not text:
        return None
    if not pattern.match(text):
        raise ValueError(message)
    return text


def _language(value) -> str:
    text = _text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    text = LANGUAGE_ALIASES.get(text, text)
    if not LANGUAGE_PATTERN.match(text):
        raise ValueError(LANGUAGE_MESSAGE)
    return text


def _fen(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**12:
        raise ValueError(FEN_MESSAGE)
    return value


def _price(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if type(value) is str:
        plain = PLAIN_PRICE.fullmatch(value)
        if plain:  # what parse_money makes of it, without Decimal
            whole, cents = plain.groups()
            return int(whole) * 100 + int((cents or "0").ljust(2, "0"))
    try:
        return parse_money(value)
    except MoneyError as error:
        raise ValueError(error.message) from None
