"""Forms for authorising sellers, revoking an authorisation and importing a spreadsheet of them."""

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from alliance.forms import FlaskForm
from alliance.i18n import _l
from alliance.tabular import XLSX_MIMETYPE

SPREADSHEET_TYPES = ".csv,.txt,.xlsx,text/csv," + XLSX_MIMETYPE


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
