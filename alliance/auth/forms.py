"""Forms for registration, log-in, passwords and the profile."""

from functools import cache
from zoneinfo import available_timezones

from wtforms import PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from alliance.auth.identifiers import parse_login
from alliance.auth.passwords import MAX_LENGTH, password_problem
from alliance.errors import DomainError
from alliance.forms import FlaskForm
from alliance.i18n import _l


@cache
def _timezone_names() -> tuple[str, ...]:
    """Return the time zones' names, sorted: read once, when a form first lists them (reading
    the tz database's folder takes some 20-80 ms, too much for every start)."""
    return tuple(sorted(available_timezones()))


def timezone_choices() -> list[SelectChoice]:
    """Return the choices of a time zone field."""
    return [SelectChoice(name) for name in _timezone_names()]


def valid_login(form, field):
    """Accept a valid email address or mainland mobile number."""
    try:
        parse_login(field.data or "")
    except DomainError as error:
        raise ValidationError(str(error.message)) from None


def strong_password(form, field):
    """Refuse short, overlong and common passwords, and the user's own login or name."""
    context = [getattr(form, name).data or "" for name in ("login", "display_name") if name in form]
    problem = password_problem(field.data or "", *context)
    if problem:
        raise ValidationError(str(problem))


LOGIN_LABEL = _l("Email or mobile number")


def new_password_field(label, description=None) -> PasswordField:
    """A field for choosing a password that meets the rules."""
    return PasswordField(
        label,
        validators=[InputRequired(), strong_password],
        description=description
        or _l("At least 8 characters. A few unrelated words make a strong password."),
    )


def confirm_field(label) -> PasswordField:
    """A field repeating the `password` field."""
    return PasswordField(
        label,
        validators=[
            InputRequired(),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
    )


class LoginForm(FlaskForm):
    """Log in with an email address or mobile number."""

    login = StringField(LOGIN_LABEL, validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Log in"))


class RegisterForm(FlaskForm):
    """Create an account."""

    login = StringField(
        LOGIN_LABEL,
        validators=[DataRequired(), Length(max=320), valid_login],
        description=_l("We accept an email address or a mainland China mobile number."),
    )
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    password = new_password_field(_l("Password"))
    confirm = confirm_field(_l("Repeat the password"))
    submit = SubmitField(_l("Create account"))


class ChangePasswordForm(FlaskForm):
    """Change the password, proving the current one."""

    current = PasswordField(
        _l("Current password"), validators=[InputRequired(), Length(max=MAX_LENGTH)]
    )
    password = new_password_field(_l("New password"))
    confirm = confirm_field(_l("Repeat the new password"))
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(FlaskForm):
    """Ask for a password reset: a link by mail, or a code by SMS to a mobile number."""

    login = StringField(LOGIN_LABEL, validators=[DataRequired(), Length(max=320), valid_login])
    submit = SubmitField(_l("Send"))


class ResetByCodeForm(FlaskForm):
    """Choose a new password with the code sent by SMS."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    password = new_password_field(_l("New password"))
    confirm = confirm_field(_l("Repeat the new password"))
    submit = SubmitField(_l("Set new password"))


class CodeForm(FlaskForm):
    """Enter the one-time code sent to an email address or mobile number."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Confirm"))


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = new_password_field(_l("New password"))
    confirm = confirm_field(_l("Repeat the new password"))
    submit = SubmitField(_l("Set new password"))


class ProfileForm(FlaskForm):
    """Change the name, language and time zone."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("As my browser prefers")),
            SelectChoice("en", "English"),
            SelectChoice("zh", "中文"),
        ],
    )
    timezone = SelectField(_l("Time zone"), choices=timezone_choices)
    submit = SubmitField(_l("Save"))
