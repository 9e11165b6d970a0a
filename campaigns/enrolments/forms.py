"""Forms of enrolments: enrol a title, import many, filter and decide the review queue."""

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField, SubmitField
from wtforms.validators import DataRequired, Length

from alliance.catalogue.forms import SPREADSHEET_TYPES
from alliance.forms import FlaskForm
from alliance.i18n import _l
from campaigns.enrolments.services import REJECTION_REASONS, EnrolmentInput
from campaigns.forms import count_field, money_field, read_money, text_field
from campaigns.models import ENROLMENT_STATUS_LABELS


class EnrolmentForm(FlaskForm):
    """Enrol one of the publisher's titles."""

    problem_fields = {
        "campaign_price_fen": "campaign_price",
        "subsidy_per_unit_fen": "subsidy_per_unit",
    }

    isbn = text_field(_l("ISBN"), 64, True)
    campaign_price = money_field(_l("Campaign price (yuan)"))
    subsidy_per_unit = money_field(
        _l("Requested subsidy per copy (yuan)"), description=_l("Paid for each copy sold.")
    )
    expected_units = count_field(_l("Expected copies sold"))
    stock = count_field(_l("Copies in stock"), required=False)
    submit = SubmitField(_l("Enrol"))

    def values(self) -> EnrolmentInput | None:
        """Return the checked values, or None with each problem next to its field."""
        amounts = read_money(self, "campaign_price", "subsidy_per_unit")
        if amounts is None or len(amounts) < 2:
            return None
        return EnrolmentInput(
            isbn=self.isbn.data,
            campaign_price_fen=amounts["campaign_price"],
            subsidy_per_unit_fen=amounts["subsidy_per_unit"],
            expected_units=self.expected_units.data,
            stock=self.stock.data or 0,
        )


class ImportEnrolmentsForm(FlaskForm):
    """Upload a spreadsheet of enrolments."""

    file = FileField(
        _l("Spreadsheet (CSV or Excel .xlsx)"),
        validators=[FileRequired(_l("Choose a CSV or Excel file to upload."))],
        render_kw={"accept": SPREADSHEET_TYPES},
    )
    submit = SubmitField(_l("Import"))


class QueueFilterForm(FlaskForm):
    """Filter the review queue."""

    class Meta:
        csrf = False

    q = text_field(_l("ISBN, title or contributor"), 200)
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Any status")),
            *(SelectChoice(s.value, label) for s, label in ENROLMENT_STATUS_LABELS.items()),
        ],
        default="",
    )
    category = SelectField(_l("Category"), choices=[], default="")
    publisher = SelectField(_l("Publisher"), coerce=int, choices=[], default=0)


class DecisionForm(FlaskForm):
    """Approve or reject the chosen enrolments, with a reason for a rejection."""

    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("approved", _l("Approve")),
            SelectChoice("rejected", _l("Reject")),
        ],
    )
    reason_code = SelectField(
        _l("Reason"),
        choices=[
            SelectChoice("", _l("(written below)")),
            *(SelectChoice(code, label) for code, label in REJECTION_REASONS.items()),
        ],
        default="",
    )
    reason = text_field(_l("Reason in your words"), 500)
    submit = SubmitField(_l("Apply to the chosen enrolments"))


class MoneyMoveForm(FlaskForm):
    """Allocate to, or release from, an enrolment."""

    amount = money_field(_l("Amount (yuan)"))
    note = text_field(_l("Note"), 500)
    key = HiddenField(validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Allocate"))
