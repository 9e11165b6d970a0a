"""Read a login as an email address or a mainland China mobile number."""

from dataclasses import dataclass

from alliance.errors import DomainError
from alliance.i18n import _l


class LoginFormatError(DomainError):
    """The text is neither a valid email address nor a valid mobile number."""


@dataclass(frozen=True)
class Login:
    """A normalised login: exactly one of email and mobile is set."""

    email: str | None = None
    mobile: str | None = None

    @property
    def value(self) -> str:
        return self.email or self.mobile or ""


def parse_login(text: str) -> Login:
    """Normalise an email (lower-cased) or a mobile number (E.164, +86 by default)."""
    text = (text or "").strip()
    if not text:
        raise LoginFormatError(_l("Enter your email address or mobile number."))
    if len(text) > 320:
        raise LoginFormatError(_l("This is too long for an email address or mobile number."))
    # Imported here, when a login is read: together they take ~50 ms to import.
    import phonenumbers
    from email_validator import EmailNotValidError, validate_email

    if "@" in text:
        try:
            result = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            raise LoginFormatError(_l("This email address is not valid.")) from None
        return Login(email=result.normalized.lower())
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise LoginFormatError(
            _l("Enter a valid email address or a mainland China mobile number.")
        ) from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise LoginFormatError(
            _l("Enter a valid mainland China mobile number, e.g. 138 0013 8000.")
        )
    return Login(mobile=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
