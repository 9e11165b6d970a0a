"""The form of a user's mail choices."""

from wtforms import SubmitField

from alliance.forms import FlaskForm
from alliance.i18n import _l


class MailSettingsForm(FlaskForm):
    """Choose the kinds of notification that also come by mail (checkboxes per kind)."""

    submit = SubmitField(_l("Save"))
