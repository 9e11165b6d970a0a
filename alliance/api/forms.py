"""Forms for managing personal API keys."""

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from alliance.forms import FlaskForm
from alliance.i18n import _l


class ApiKeyForm(FlaskForm):
    """Name a new API key."""

    name = StringField(
        _l("Key name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("For example the system that will use it: 'ERP sync'."),
    )
    submit = SubmitField(_l("Create key"))


class RevokeForm(FlaskForm):
    """Confirm a revocation (the form carries the CSRF token)."""

    submit = SubmitField(_l("Revoke"))
