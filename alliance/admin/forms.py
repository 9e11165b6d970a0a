"""Forms for managing users and filtering the audit log."""

from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from alliance.auth.forms import LOGIN_LABEL, new_password_field, valid_login
from alliance.auth.roles import ROLE_LABELS, Role
from alliance.forms import FlaskForm
from alliance.i18n import _l

ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserFilterForm(FlaskForm):
    """Search users by login or name, role, and whether they have a role yet."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice("", _l("Any role")), *ROLE_CHOICES], default=""
    )
    without_role = BooleanField(_l("Only users without a role"))


class UserEditForm(FlaskForm):
    """Set a user's roles, organisation and whether the account is active."""

    roles = CheckboxesField(_l("Roles"), choices=ROLE_CHOICES)
    organisation_id = SelectField(_l("Organisation"), coerce=int, choices=[])
    active = BooleanField(_l("Account active"))
    submit = SubmitField(_l("Save"))


class UserCreateForm(FlaskForm):
    """Create an account for someone, with roles."""

    login = StringField(LOGIN_LABEL, validators=[DataRequired(), Length(max=320), valid_login])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = new_password_field(
        _l("Initial password"), _l("Tell the person to change it after the first log-in.")
    )
    roles = CheckboxesField(_l("Roles"), choices=ROLE_CHOICES)
    organisation_id = SelectField(_l("Organisation"), coerce=int, choices=[])
    submit = SubmitField(_l("Create user"))


class AuditFilterForm(FlaskForm):
    """Filter the audit log."""

    class Meta:
        csrf = False

    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=320)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    entity_type = StringField(_l("Entity type"), validators=[Optional(), Length(max=64)])
    entity_id = StringField(_l("Entity id"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
