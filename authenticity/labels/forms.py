"""Forms for ordering, sealing and revoking labels, and for checking a code."""

from wtforms import (
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from alliance.forms import FlaskForm, WholeNumberField
from alliance.i18n import _l
from authenticity.labels.models import REVOKE_CATEGORY_LABELS

CATEGORY_CHOICES = [
    SelectChoice(value.value, label) for value, label in REVOKE_CATEGORY_LABELS.items()
]


class BatchForm(FlaskForm):
    """Order a batch of labels for one title and one seller."""

    isbn = StringField(_l("ISBN"), validators=[DataRequired(), Length(max=64)])
    merchant_id = StringField(
        _l("Authorised merchant id"),
        validators=[Optional(), Length(max=64)],
        description=_l("Empty for your own store."),
    )
    quantity = WholeNumberField(
        _l("Number of labels"),
        validators=[InputRequired(_l("Enter a whole number of labels."))],
        minimum=1,
        maximum=1_000_000,
        range_message=_l("Order between 1 and 1,000,000 labels."),
    )
    submit = SubmitField(_l("Order labels"))


class SealForm(FlaskForm):
    """Confirm that a batch is printed, which deletes its codes in clear."""

    submit = SubmitField(_l("Confirm printing and seal"))


class ResumeForm(FlaskForm):
    """Finish writing a batch whose writing stopped."""

    submit = SubmitField(_l("Continue writing the labels"))


class RevokeForm(FlaskForm):
    """Revoke a batch, or one label named by its code."""

    code = StringField(_l("Label code"), validators=[Optional(), Length(max=80)])
    category = SelectField(_l("Reason shown to readers"), choices=CATEGORY_CHOICES)
    reason = StringField(_l("Details (kept private)"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Revoke"))


class VerifyForm(FlaskForm):
    """Type a label's code to check it (no session, so no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Label code"),
        validators=[DataRequired(_l("Type the code printed under the QR code.")), Length(max=80)],
    )
    submit = SubmitField(_l("Check"))
