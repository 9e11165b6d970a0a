"""Forms of notice and takedown: filing a notice, an officer's decision, a holder's answer."""

from wtforms import BooleanField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from alliance.forms import FlaskForm
from alliance.i18n import _l
from authenticity.ip.models import RIGHT_TYPE_LABELS
from authenticity.notices.models import REASON_LABELS, REGIME_LABELS, REJECTION_REASONS

REASON_CHOICES = [SelectChoice(code.value, label) for code, label in REASON_LABELS.items()]


class NoticeForm(FlaskForm):
    """File a notice on a verified right: the listings, the procedure, the signed statements."""

    right_id = SelectField(_l("Right infringed"), choices=[], validate_choice=False)
    regime = SelectField(
        _l("Procedure"),
        choices=[SelectChoice(r.value, label) for r, label in REGIME_LABELS.items()],
    )
    listings = TextAreaField(
        _l("Listings, one per line"),
        validators=[Length(max=300_000)],
        description=_l(
            "Listing id, merchant id, ISBN, address, reason, description: separated by tabs "
            "(copied from a spreadsheet) or commas. Only the first two are required."
        ),
        render_kw={"rows": 8, "spellcheck": "false"},
    )
    default_reason = SelectField(
        _l("Reason for lines that give none"), choices=REASON_CHOICES, default="pirated_copy"
    )
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
    merchant = StringField(_l("Merchant id"), validators=[Optional(), Length(max=64)])
