"""Forms for the member directory, applications, profiles and decisions."""

from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from alliance.errors import DomainError
from alliance.forms import FlaskForm
from alliance.i18n import _l
from alliance.members.models import KIND_LABELS, STATUS_LABELS, MemberStatus
from alliance.members.services import APPLICANT_KINDS
from alliance.members.values import (
    MAX_LENGTHS,
    normalise_email,
    normalise_phone,
    normalise_uscc,
    normalise_website,
)

KIND_CHOICES = [SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]
APPLICANT_KIND_CHOICES = [SelectChoice(kind.value, KIND_LABELS[kind]) for kind in APPLICANT_KINDS]
STATUS_CHOICES = [SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()]


def checked_by(normalise):
    """Make a field validator from a service normaliser, so form and service agree."""

    def validator(form, field):
        try:
            normalise(field.data)
        except DomainError as error:
            raise ValidationError(str(error.message)) from None

    return validator


def _text(label, field, *validators, description=None):
    return StringField(
        label,
        validators=[*validators, Length(max=MAX_LENGTHS[field])],
        description=description,
    )


def _long_text(label, field, description=None):
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=MAX_LENGTHS[field])],
        description=description,
        render_kw={"rows": 4},
    )


class _Identity(FlaskForm):
    """What an applicant states once: the kind and the registered name (shown first)."""

    kind = SelectField(_l("Kind of organisation"), choices=APPLICANT_KIND_CHOICES)
    name = _text(
        _l("Name (Chinese)"),
        "name",
        DataRequired(),
        description=_l("The registered name, as on the business licence."),
    )


class ProfileFields(FlaskForm):
    """The fields an organisation's own users keep up to date."""

    name_en = _text(_l("English name"), "name_en", Optional())
    uscc = _text(
        _l("Unified social credit code"),
        "uscc",
        Optional(),
        checked_by(normalise_uscc),
        description=_l("18 characters, on the business licence or registration certificate."),
    )
    contact_name = _text(_l("Contact person"), "contact_name", DataRequired())
    contact_email = _text(
        _l("Contact email"), "contact_email", DataRequired(), checked_by(normalise_email)
    )
    contact_phone = _text(
        _l("Contact telephone"), "contact_phone", Optional(), checked_by(normalise_phone)
    )
    website = _text(
        _l("Website"),
        "website",
        Optional(),
        checked_by(normalise_website),
        description=_l("Starting with https:// or http://."),
    )
    description = _long_text(_l("Description (Chinese)"), "description")
    description_en = _long_text(_l("Description (English)"), "description_en")

    def values(self) -> dict:
        """Return the entered values under the names the services expect."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if field.type not in ("SubmitField", "CSRFTokenField")
        }


class ApplicationForm(_Identity, ProfileFields):
    """Apply for a new organisation to join the alliance."""

    submit = SubmitField(_l("Send the application"))


class ProfileEditForm(ProfileFields):
    """Edit an organisation's profile (not its name, kind or status)."""

    submit = SubmitField(_l("Save"))


class DecisionForm(FlaskForm):
    """An administrator's decision on a membership, with the reason shown to its users."""

    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice(status.value, STATUS_LABELS[status])
            for status in (MemberStatus.ACTIVE, MemberStatus.REJECTED, MemberStatus.SUSPENDED)
        ],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=MAX_LENGTHS["reason"])],
        description=_l("Required to reject or suspend; the organisation's users see it."),
        render_kw={"rows": 2},
    )


class ApplicationFilterForm(FlaskForm):
    """Filter the membership queue by status and name."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[*STATUS_CHOICES, SelectChoice("", _l("Any status"))],
        default=MemberStatus.APPLIED.value,
    )
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])


class DirectoryFilterForm(FlaskForm):
    """Search the directory by name and kind."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice("", _l("All kinds")), *KIND_CHOICES], default=""
    )
