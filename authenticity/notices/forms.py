"""Forms of notice and takedown: filing a notice, an officer's decision, a holder's answer."""

from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from alliance.forms import FlaskForm
from alliance.i18n import _l
from authenticity.ip.forms import PROOF_TYPES
from authenticity.ip.models import RIGHT_TYPE_LABELS
from authenticity.notices.models import REASON_LABELS, REGIME_LABELS, REJECTION_REASONS
from authenticity.sellers.forms import SPREADSHEET_TYPES

REASON_CHOICES = [SelectChoice(code.value, label) for code, label in REASON_LABELS.items()]


class ListingRowForm(FlaskForm):
    """One listing typed into a row of the notice form."""

    class Meta:
        csrf = False  # a part of the notice form, which carries the token

    listing_id = StringField(_l("Listing id"), validators=[Length(max=64)])
    merchant_id = StringField(_l("Merchant id"), validators=[Length(max=64)])
    isbn = StringField(_l("ISBN"), validators=[Length(max=64)])
    url = StringField(_l("Address"), validators=[Length(max=500)])
    reason_code = SelectField(
        _l("Reason"), choices=[SelectChoice("", _l("Default reason")), *REASON_CHOICES], default=""
    )
    description = StringField(_l("Description"), validators=[Length(max=2000)])

    def typed(self) -> bool:
        """Tell whether anything was typed in this row."""
        return any(
            (self[name].data or "").strip()
            for name in ("listing_id", "merchant_id", "isbn", "url", "description")
        )


ROWS_SHOWN = 3  # empty rows the form starts with; "Add rows" adds ROWS_ADDED more
ROWS_ADDED = 5


class NoticeForm(FlaskForm):
    """File a notice on a verified right: the listings, the procedure, the signed statements."""

    right_id = SelectField(_l("Right infringed"), choices=[], validate_choice=False)
    regime = SelectField(
        _l("Procedure"),
        choices=[SelectChoice(r.value, label) for r, label in REGIME_LABELS.items()],
    )
    rows = FieldList(FormField(ListingRowForm), min_entries=ROWS_SHOWN, max_entries=300)
    add_rows = SubmitField(_l("Add rows"))
    listings = TextAreaField(
        _l("Or paste listings, one per line"),
        validators=[Length(max=300_000)],
        description=_l(
            "Listing id, merchant id, ISBN, address, reason, description: separated by tabs "
            "(copied from a spreadsheet) or commas. Only the first two are required."
        ),
        render_kw={"rows": 8, "spellcheck": "false"},
    )
    file = FileField(
        _l("Or a spreadsheet of listings (CSV or Excel .xlsx)"),
        description=_l("One row per listing, with the columns of the template below."),
        render_kw={"accept": SPREADSHEET_TYPES},
    )
    default_reason = SelectField(
        _l("Reason for lines that give none"), choices=REASON_CHOICES, default="pirated_copy"
    )
    evidence = MultipleFileField(
        _l("Evidence for these listings (optional): test-buy photos, an appraisal report"),
        description=_l("PDF, JPEG or PNG, at most 10 MB each; the officers and the merchants "
                       "named see them."),
        render_kw={"accept": PROOF_TYPES},
    )  # fmt: skip
    contact = StringField(
        _l("Contact shown to the merchants (optional)"),
        validators=[Optional(), Length(max=300)],
        description=_l("An address or a phone number for the merchant to reach you."),
    )
    good_faith = BooleanField(
        _l("I believe in good faith that the listings named infringe the right, and that the "
           "use is not authorised by the holder, its agent or the law.")
    )  # fmt: skip
    accurate = BooleanField(
        _l("The information in this notice is accurate, and I am the holder or authorised to "
           "act for the holder.")
    )  # fmt: skip
    regime_statement = BooleanField(
        _l("I make the statement of the procedure I chose, as written below.")
    )
    signature = StringField(_l("Signature: your full name"), validators=[Length(max=100)])
    submit = SubmitField(_l("Send the notice"))


class DecisionForm(FlaskForm):
    """An officer's decision on one or more listings."""

    reason_code = SelectField(
        _l("Reason for a rejection"),
        choices=[SelectChoice("", _l("Choose a reason")),
                 *(SelectChoice(code, text) for code, text in REJECTION_REASONS.items())],
        default="",
    )  # fmt: skip
    reason = TextAreaField(
        _l("Note or question for the holder"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
    remove = SubmitField(_l("Remove the listings"))
    reject = SubmitField(_l("Reject"))
    ask = SubmitField(_l("Ask the holder"))


class ReplyForm(FlaskForm):
    """A holder's answer to an officer's question about a listing."""

    answer = TextAreaField(_l("Your answer"), validators=[Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Answer"))


class QueueFilterForm(FlaskForm):
    """Filter the officers' queue of listings."""

    class Meta:
        csrf = False

    reason = SelectField(
        _l("Reason"), choices=[SelectChoice("", _l("All reasons")), *REASON_CHOICES], default=""
    )
    right_type = SelectField(
        _l("Kind of right"),
        choices=[SelectChoice("", _l("All kinds")),
                 *(SelectChoice(k.value, label) for k, label in RIGHT_TYPE_LABELS.items())],
        default="",
    )  # fmt: skip
    holder = SelectField(_l("Rights holder"), choices=[], validate_choice=False, default="")
    merchant = StringField(_l("Merchant id"), validators=[Optional(), Length(max=64)])


class CounterNoticeForm(FlaskForm):
    """A merchant's counter-notice: why the removal was a mistake, who they are, signed."""

    statement = TextAreaField(
        _l("Why the removal was a mistake"),
        validators=[Length(max=5000)],
        description=_l("For example: the copies are genuine, bought from the publisher's "
                       "distributor; or you hold a licence."),
        render_kw={"rows": 5},
    )  # fmt: skip
    contact = TextAreaField(
        _l("Your real name or company name, address and phone"),
        validators=[Length(max=500)],
        description=_l("Given to the rights holder, who may take the matter to court."),
        render_kw={"rows": 2},
    )
    evidence = MultipleFileField(
        _l("Evidence: invoices, an authorisation (PDF, JPEG or PNG, at most 10 MB each)"),
        render_kw={"accept": PROOF_TYPES},
    )
    accept_jurisdiction = BooleanField(
        _l("I accept the jurisdiction of the courts where I am registered, or where the rights "
           "holder may sue, and will accept service of process from the holder.")
    )  # fmt: skip
    signature = StringField(_l("Signature: your full name"), validators=[Length(max=100)])
    submit = SubmitField(_l("Send the counter-notice"))


class HolderAnswerForm(FlaskForm):
    """The holder's answer to a counter-notice."""

    action = SelectField(
        _l("Your answer"),
        choices=[
            SelectChoice("complaint_filed", _l("I have filed a complaint or a suit (proof below)")),
            SelectChoice("withdraw", _l("I withdraw: reinstate the listing")),
        ],
    )
    proof = MultipleFileField(
        _l("Proof of the complaint or suit (PDF, JPEG or PNG)"),
        render_kw={"accept": PROOF_TYPES},
    )
    submit = SubmitField(_l("Send the answer"))


class MerchantForm(FlaskForm):
    """Link a marketplace merchant id to its name and merchant organisation."""

    merchant_id = StringField(_l("Merchant id on the marketplace"), validators=[Length(max=64)])
    name = StringField(_l("Merchant name"), validators=[Length(max=200)])
    organisation_id = SelectField(_l("Merchant organisation"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save"))
