"""Forms of the rights registry: a right, a principal, an officer's decision, the queue filter."""

from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from alliance.forms import FlaskForm
from alliance.i18n import _l
from authenticity.ip.models import DECISION_REASONS, RIGHT_TYPE_LABELS

PROOF_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
TYPE_CHOICES = [SelectChoice(kind.value, label) for kind, label in RIGHT_TYPE_LABELS.items()]


class RightForm(FlaskForm):
    """Register a right (or correct one): what it is, what it covers, where and when, proof."""

    problem_fields = {"principal_id": "principal"}

    principal = SelectField(_l("Registered for (principal)"), choices=[], validate_choice=False)
    right_type = SelectField(_l("Kind of right"), choices=TYPE_CHOICES)
    title = StringField(
        _l("Name of the right"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("The work, the series or the mark, as the proof names it."),
    )
    registration_number = StringField(
        _l("Registration number"),
        validators=[Optional(), Length(max=64)],
        description=_l("Required for a trademark or a patent; a copyright registration if any."),
    )
    classes = StringField(
        _l("Classes"),
        validators=[Optional(), Length(max=200)],
        description=_l("For a trademark: the Nice classes, e.g. 16, 41."),
    )
    territory = StringField(
        _l("Territory"),
        validators=[DataRequired(), Length(max=100)],
        default=_l("Mainland China"),
    )
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = DateField(
        _l("Valid until (inclusive)"),
        validators=[Optional()],
        description=_l("Empty when the right has no end date."),
    )
    isbns = TextAreaField(
        _l("ISBNs of the works covered"),
        validators=[Optional(), Length(max=100_000)],
        description=_l("Titles in the catalogue, separated by spaces, commas or lines."),
        render_kw={"rows": 3},
    )
    work_titles = TextAreaField(
        _l("Works not in the catalogue"),
        validators=[Optional(), Length(max=200_000)],
        description=_l("One title per line."),
        render_kw={"rows": 3},
    )
    documents = MultipleFileField(
        _l("Proof documents (PDF, JPEG or PNG, at most 10 MB each)"),
        description=_l("The registration certificate, the licence contract or the assignment."),
        render_kw={"accept": PROOF_TYPES},
    )
    submit = SubmitField(_l("Send for verification"))


class PrincipalForm(FlaskForm):
    """Record a principal the agency acts for, with its power of attorney."""

    name = StringField(_l("Registered name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    region = StringField(
        _l("Country or region"),
        validators=[DataRequired(), Length(max=100)],
        default=_l("Mainland China"),
    )
    valid_from = DateField(_l("Power of attorney valid from"), validators=[DataRequired()])
    valid_until = DateField(
        _l("Valid until (inclusive)"),
        validators=[Optional()],
        description=_l("Empty when the power of attorney has no end date."),
    )
    power_of_attorney = FileField(
        _l("Power of attorney (PDF, JPEG or PNG, at most 10 MB)"),
        render_kw={"accept": PROOF_TYPES},
    )
    submit = SubmitField(_l("Add principal"))


REASON_CHOICES = [
    SelectChoice("", _l("Choose a reason")),
    *(SelectChoice(code, text) for code, text in DECISION_REASONS.items()),
]


class DecisionForm(FlaskForm):
    """An officer's decision on a right: the reason from the library, or in their own words."""

    reason_code = SelectField(_l("Reason"), choices=REASON_CHOICES, default="")
    reason = TextAreaField(
        _l("In your own words (shown to the holder)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    verify = SubmitField(_l("Verify"))
    reject = SubmitField(_l("Reject"))
    revoke = SubmitField(_l("Revoke"))


class QueueFilterForm(FlaskForm):
    """Filter the verification queue by kind of right."""

    class Meta:
        csrf = False

    right_type = SelectField(
        _l("Kind of right"), choices=[SelectChoice("", _l("All kinds")), *TYPE_CHOICES], default=""
    )
