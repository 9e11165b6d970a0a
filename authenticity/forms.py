"""Forms for authorising sellers, ordering, sealing and revoking labels, and checking a code."""

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from alliance.forms import FlaskForm, WholeNumberField
from alliance.i18n import _l
from alliance.tabular import XLSX_MIMETYPE
from authenticity.models import REVOKE_CATEGORY_LABELS

SPREADSHEET_TYPES = ".csv,.txt,.xlsx,text/csv," + XLSX_MIMETYPE
CATEGORY_CHOICES = [
    SelectChoice(value.value, label) for value, label in REVOKE_CATEGORY_LABELS.items()
]


class AuthorisationForm(FlaskForm):
    """Authorise a marketplace merchant to sell all or some of the publisher's titles."""

    merchant_id = StringField(
        _l("Merchant id on the marketplace"),
        validators=[DataRequired(), Length(max=64)],
    )
    merchant_name = StringField(_l("Merchant name"), validators=[DataRequired(), Length(max=200)])
    merchant_uscc = StringField(
        _l("Unified social credit code (if known)"),
        validators=[Optional(), Length(max=30)],
    )
    isbns = TextAreaField(
        _l("ISBNs"),
        validators=[Optional(), Length(max=100_000)],
        description=_l("One or more ISBNs separated by spaces or ; — empty for all your titles."),
    )
    valid_from = StringField(
        _l("Valid from"), validators=[DataRequired(), Length(max=20)],
        description=_l("For example 2021-04-23"),
    )  # fmt: skip
    valid_until = StringField(
        _l("Valid until (inclusive)"), validators=[Optional(), Length(max=20)],
        description=_l("Empty: until revoked."),
    )  # fmt: skip
    submit = SubmitField(_l("Authorise"))


class RevokeAuthorisationForm(FlaskForm):
    """Revoke an authorisation, saying why."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Revoke"))


class ImportAuthorisationsForm(FlaskForm):
    """Upload a spreadsheet of authorisations."""

    file = FileField(
        _l("Spreadsheet (CSV or Excel .xlsx)"),
        validators=[FileRequired(_l("Choose a CSV or Excel file to upload."))],
        render_kw={"accept": SPREADSHEET_TYPES},
    )
    submit = SubmitField(_l("Import"))


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
