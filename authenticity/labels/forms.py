"""Forms for ordering, sealing and revoking labels, checking a code and reporting a seller."""

from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from alliance.forms import ConfirmField, FlaskForm, WholeNumberField
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


def _number(n: int) -> str:
    return f"{n:,}"


class SealForm(FlaskForm):
    """Confirm that a batch is printed, which deletes its codes in clear: it cannot be undone.

    A batch whose codes were never downloaded asks for a second confirmation.
    """

    confirm = ConfirmField()
    confirm_not_downloaded = ConfirmField()
    submit = SubmitField(_l("Confirm printing and seal"))

    def __init__(self, *args, batch=None, **kwargs):
        super().__init__(*args, **kwargs)
        if batch is None:  # (only the test of every form makes one without its batch)
            return
        self.confirm.label.text = _l(
            "I understand that the %(n)s codes of batch %(id)s are deleted for good: nobody "
            "can print these labels again.",
            n=_number(batch.quantity),
            id=batch.id,
        )
        if batch.downloaded_at is not None:
            del self.confirm_not_downloaded
        else:
            self.confirm_not_downloaded.label.text = _l(
                "I understand that these codes were never downloaded: sealing now loses all "
                "%(n)s labels of this batch.",
                n=_number(batch.quantity),
            )


class ResumeForm(FlaskForm):
    """Finish writing a batch whose writing stopped."""

    submit = SubmitField(_l("Continue writing the labels"))


class RevokeForm(FlaskForm):
    """Revoke a batch (`labels`: how many readers will see revoked), or one label by its code."""

    code = StringField(_l("Label code"), validators=[Optional(), Length(max=80)])
    category = SelectField(_l("Reason shown to readers"), choices=CATEGORY_CHOICES)
    reason = StringField(_l("Details (kept private)"), validators=[DataRequired(), Length(max=500)])
    confirm = ConfirmField(
        _l(
            "I understand that readers who check this label will be told it is revoked, and "
            "that this cannot be undone."
        )
    )
    submit = SubmitField(_l("Revoke"))

    def __init__(self, *args, batch=None, labels: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if batch is not None:
            self.confirm.label.text = _l(
                "I understand that readers who check any of the %(n)s labels of batch %(id)s "
                "will be told it is revoked, and that this cannot be undone.",
                n=_number(labels),
                id=batch.id,
            )
            self.submit.label.text = _l("Revoke every label")


class VerifyForm(FlaskForm):
    """Type a label's code to check it (no session, so no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Label code"),
        validators=[DataRequired(_l("Type the code printed under the QR code.")), Length(max=80)],
    )
    submit = SubmitField(_l("Check"))


class ReportForm(FlaskForm):
    """A reader reports the seller of a label that may have been copied."""

    code = HiddenField(validators=[DataRequired(), Length(max=80)])
    place = StringField(
        _l("Where did you buy this copy?"),
        validators=[
            DataRequired(_l("Say where you bought this copy: the shop, or the listing's address.")),
            Length(max=500),
        ],
        description=_l("The shop or merchant's name, or the address of the listing online."),
    )
    contact = StringField(
        _l("How can we reach you? (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l("An email address or phone number, only if you want an answer."),
    )
    submit = SubmitField(_l("Send the report"))
