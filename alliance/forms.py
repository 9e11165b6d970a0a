"""The base of every form: each text field cleaned by the input rule; number fields in digits."""

from decimal import Decimal

from flask_wtf import FlaskForm as _FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    FloatField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, StopValidation

from alliance.cleaning import (
    FORBIDDEN_CHARACTERS,
    MAX_INTEGER,
    NumberRefused,
    clean_text,
    read_decimal,
    read_whole_number,
)
from alliance.confirming import NOT_CONFIRMED

__all__ = [
    "FORBIDDEN_CHARACTERS",  # the services' own check of text that does not come from a form
    "ConfirmField",
    "DecimalNumberField",
    "FlaskForm",
    "WholeNumberField",
    "strip",
    "strip_lines",
    "valid_data",
]


def strip(value):
    """Clean one line of form text by the input rule (surrounding whitespace stripped)."""
    return clean_text(value) if isinstance(value, str) else value


def strip_lines(value):
    """Clean multi-line form text by the input rule: line breaks and tabs stay."""
    return clean_text(value, multiline=True) if isinstance(value, str) else value


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, with every text field cleaned by the one input rule.

    Text areas keep line breaks and tabs; password fields are left as typed (never stored or
    shown, and a rule added later must not lock anyone out). Number fields must be
    WholeNumberField or DecimalNumberField, which read digits only.

    `problem_fields` names the field that shows a service's problem when the two names differ
    (the service's `budget_fen` is the form's `budget`); see `alliance.web.show_problems`.
    """

    problem_fields: dict[str, str] = {}

    class Meta:
        def bind_field(self, form, unbound_field, options):
            kind = unbound_field.field_class
            if issubclass(kind, IntegerField | DecimalField | FloatField) and not issubclass(
                kind, WholeNumberField | DecimalNumberField
            ):
                raise TypeError(f"{kind.__name__}: use WholeNumberField or DecimalNumberField")
            if issubclass(kind, StringField) and not issubclass(kind, PasswordField):
                cleaner = strip_lines if issubclass(kind, TextAreaField) else strip
                others = unbound_field.kwargs.get("filters") or ()
                filters = [cleaner, *(f for f in others if f not in (strip, strip_lines))]
                options = {**options, "filters": filters}
            return super().bind_field(form, unbound_field, options)


class ConfirmField(BooleanField):
    """A required tick box before a step that cannot be undone (see alliance.confirming).

    Its label names what is lost ("I understand that the 2,000 codes of batch 12 are
    deleted …"); a form sets it for the object at hand: `form.confirm.label.text = …`.
    """

    def __init__(self, label=None, validators=None, message=NOT_CONFIRMED, **kwargs):
        validators = [DataRequired(message), *(validators or ())]
        super().__init__(label, validators=validators, **kwargs)


class _Bounded:
    """What the number fields share: blank is None, a refusal stops the other validators."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = self.read(valuelist[0])
            except NumberRefused as error:
                raise ValueError(error.message) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the message is there already; one is enough


class WholeNumberField(_Bounded, IntegerField):
    """A whole number typed in ASCII or full-width digits, from `minimum` to `maximum`.

    `range_message`, when given, is the message for a number out of bounds.
    """

    def __init__(self, label=None, validators=None, *, minimum=0, maximum=MAX_INTEGER,
                 range_message=None, **kwargs):  # fmt: skip
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.range_message = minimum, maximum, range_message

    def read(self, text: str) -> int:
        """Return the typed number, or raise NumberRefused."""
        return read_whole_number(
            text, minimum=self.minimum, maximum=self.maximum, range_message=self.range_message
        )


class DecimalNumberField(_Bounded, DecimalField):
    """A decimal number typed in ASCII or full-width digits, from `minimum` to `maximum`."""

    def __init__(self, label=None, validators=None, *, minimum, maximum, message, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.message = Decimal(minimum), Decimal(maximum), message

    def read(self, text: str) -> Decimal:
        """Return the typed number, or raise NumberRefused."""
        number = read_decimal(text, self.message)
        if not self.minimum <= number <= self.maximum:
            raise NumberRefused(self.message)
        return number


def valid_data(field):
    """Return a field's value, or None when it failed validation (for filter forms)."""
    return None if field.errors else field.data
