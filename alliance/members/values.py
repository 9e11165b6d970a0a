"""Check and normalise the values of a membership application or an organisation profile.

phonenumbers and email-validator are imported where a value is checked, not at every start.
"""

from collections.abc import Mapping
from urllib.parse import urlsplit

from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from alliance.errors import FieldsInvalid
from alliance.forms import FORBIDDEN_CHARACTERS
from alliance.i18n import _l

# Field -> longest accepted text (the column sizes; descriptions are Text but kept readable).
MAX_LENGTHS = {
    "name": 200,
    "name_en": 200,
    "uscc": 30,  # before removing spaces and dashes
    "contact_name": 100,
    "contact_email": 320,
    "contact_phone": 30,
    "website": 300,
    "description": 5000,
    "description_en": 5000,
    "reason": 500,
}
PROFILE_FIELDS = frozenset(
    {
        "name_en",
        "uscc",
        "contact_name",
        "contact_email",
        "contact_phone",
        "website",
        "description",
        "description_en",
    }
)
APPLICATION_FIELDS = PROFILE_FIELDS | {"name", "kind"}


def clean_text(value, field: str, *, required: bool = False) -> str | None:
    """Return `value` stripped (None when empty); refuse control characters and overlong text."""
    if value is not None and not isinstance(value, str):
        raise FieldsInvalid(_l("This value is not text."), field=field)
    text = (value or "").strip()
    if FORBIDDEN_CHARACTERS.search(text):
        raise FieldsInvalid(
            _l("Remove the invisible control characters from this text."), field=field
        )
    if len(text) > MAX_LENGTHS[field]:
        raise FieldsInvalid(
            _l("Shorten this to at most %(max)s characters.", max=MAX_LENGTHS[field]), field=field
        )
    if required and not text:
        raise FieldsInvalid(_l("This field is required."), field=field)
    return text or None


def normalise_uscc(text: str | None) -> str | None:
    """Return the unified social credit code compact and upper-case, or None when empty."""
    text = clean_text(text, "uscc")
    if text is None:
        return None
    try:
        return uscc_number.validate(text)
    except InvalidLength:
        message = _l("A unified social credit code has 18 characters.")
    except InvalidChecksum:
        message = _l(
            "The last character (the check digit) does not match: check the code for a typo."
        )
    except ValidationError:
        message = _l(
            "A unified social credit code has 8 digits, then 10 digits or capital letters "
            "(not I, O, S, V or Z)."
        )
    raise FieldsInvalid(message, field="uscc")


def normalise_website(text: str | None) -> str | None:
    """Return an http(s) address with a host name, or None when empty; refuse anything else."""
    text = clean_text(text, "website")
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or "." not in host
        or parts.username is not None
        or any(ch.isspace() for ch in text)
    ):
        raise FieldsInvalid(
            _l("Enter a web address starting with https:// or http://, e.g. https://example.org."),
            field="website",
        )
    return text


def normalise_email(text: str | None) -> str | None:
    """Return the email address normalised, or None when empty."""
    text = clean_text(text, "contact_email")
    if text is None:
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldsInvalid(_l("This email address is not valid."), field="contact_email") from None


def normalise_phone(text: str | None) -> str | None:
    """Return a telephone number in E.164 form (+86 unless another country code is given)."""
    text = clean_text(text, "contact_phone")
    if text is None:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise FieldsInvalid(
            _l("Enter a valid telephone number, e.g. 021 5321 8888 or 138 0013 8000."),
            field="contact_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def profile_values(values: Mapping) -> dict:
    profile = {
        "name_en": clean_text(values.get("name_en"), "name_en"),
        "uscc": normalise_uscc(values.get("uscc")),
        "contact_name": clean_text(values.get("contact_name"), "contact_name", required=True),
        "contact_email": normalise_email(values.get("contact_email")),
        "contact_phone": normalise_phone(values.get("contact_phone")),
        "website": normalise_website(values.get("website")),
        "description": clean_text(values.get("description"), "description"),
        "description_en": clean_text(values.get("description_en"), "description_en"),
    }
    if profile["contact_email"] is None:
        raise FieldsInvalid(
            _l("Enter an email address where the alliance can reach you."), field="contact_email"
        )
    return profile
