"""Forms for the member directory."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from alliance.forms import strip
from alliance.members.models import KIND_LABELS

KIND_CHOICES = [SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]


class DirectoryFilterForm(FlaskForm):
    """Search the directory by name and kind."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("", _l("All kinds")), *KIND_CHOICES])
