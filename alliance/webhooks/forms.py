"""Forms of the webhook pages: the outbox's filters, and the confirmed resend."""

from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from alliance.forms import FlaskForm
from alliance.i18n import _l
from alliance.webhooks.models import STATUS_LABELS, EventStatus


class EventFilterForm(FlaskForm):
    """Filter the outbox by status, event type and key."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Any status")),
            *(SelectChoice(status.value, STATUS_LABELS[status]) for status in EventStatus),
        ],
        default="",
    )
    event_type = StringField(_l("Event type"), validators=[Optional(), Length(max=64)])
    key = StringField(_l("Key"), validators=[Optional(), Length(max=200)])


class ResendForm(FlaskForm):
    """Confirm that an event is posted to the marketplace again."""

    confirm = StringField(_l("Event number"), validators=[DataRequired(), Length(max=24)])
    submit = SubmitField(_l("Resend to the marketplace"))
