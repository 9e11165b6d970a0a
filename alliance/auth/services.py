"""Account rules: register, authenticate, passwords, profile, and admin changes to users."""

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from alliance import audit
from alliance.auth import codes, sessions
from alliance.auth.identifiers import Login, parse_login
from alliance.auth.models import User, UserRole
from alliance.auth.passwords import (
    check_password,
    dummy_hash,
    hash_password,
    needs_rehash,
    password_problem,
)
from alliance.auth.roles import Role
from alliance.db import utcnow
from alliance.errors import ConflictError, DomainError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.links import public_url
from alliance.members.models import Organisation

RESET_SALT = "password-reset"


class PasswordRejected(DomainError):
    """The password does not meet the rules."""


class InvalidResetToken(DomainError):
    """The reset link is wrong, used or expired."""


def find_user(login: Login) -> User | None:
    """Return the user with this login, if any."""
    if login.email:
        return db.session.scalar(select(User).where(User.email == login.email))
    return db.session.scalar(select(User).where(User.mobile == login.mobile))


def _check_new_password(password: str, *context: str) -> None:
    problem = password_problem(password, *context)
    if problem:
        raise PasswordRejected(problem)


class WrongCode(DomainError):
    """A one-time code that is wrong, used or expired; the wrong guess stays counted."""

    keeps_writes = True


SIGNUP = "signup"
SELF = object()  # marks a user creating their own account


def start_registration(login_text: str, display_name: str, password: str) -> Login:
    """Send a code to prove the login is the registrant's; the same steps whoever holds it.

    An address that already has an account gets a note saying so instead of a code, so the
    page never tells a stranger whether an account exists.
    """
    login = parse_login(login_text)
    display_name = display_name.strip()
    if not display_name:
        raise DomainError(_l("Enter the name to show to others."))
    _check_new_password(password, login.value, display_name)
    password_hash = hash_password(password)  # in both cases: the answer takes as long
    if find_user(login) is not None:
        codes.deliver(
            login,
            _("Your Book Alliance account"),
            _(
                "Someone asked to create a Book Alliance account with this address, which "
                "already has one. If it was you, log in or reset your password at %(link)s. "
                "Otherwise, ignore this message.",
                link=public_url("auth.forgot_password"),
            ),
        )
        return login
    codes.send(
        SIGNUP,
        login,
        lambda code, minutes: _(
            "Your Book Alliance code is %(code)s. It works for %(minutes)s minutes. If you did "
            "not ask for it, ignore this message.",
            code=code,
            minutes=minutes,
        ),
        {"display_name": display_name, "hash": password_hash},
    )
    return login


def complete_registration(login_value: str, code: str) -> User:
    """Create the account whose code was sent to `login_value`: no roles until granted."""
    wrong = WrongCode(
        _l("This code is not correct, or it has expired. Check the message or start again.")
    )
    row = codes.redeem(SIGNUP, login_value, code)
    if row is None:
        raise wrong
    login = parse_login(login_value)
    if find_user(login) is not None:  # registered meanwhile, through another code
        raise wrong
    return _add_user(login, row.payload["display_name"], row.payload["hash"], actor=SELF)


def create_user(
    login_text: str,
    display_name: str,
    password: str,
    *,
    actor=None,
    roles=(),
    organisation: Organisation | None = None,
) -> User:
    """Create a user with a unique login, a strong password and optional roles.

    `actor` is the admin creating it, None for the system (CLI, demo), SELF for registration.
    """
    login = parse_login(login_text)
    display_name = display_name.strip()
    if not display_name:
        raise DomainError(_l("Enter the name to show to others."))
    _check_new_password(password, login.value, display_name)
    if find_user(login) is not None:
        raise ConflictError(_l("An account with this login already exists. Try logging in."))
    return _add_user(login, display_name, hash_password(password), actor, roles, organisation)


def _add_user(login: Login, display_name, password_hash, actor, roles=(), organisation=None):
    user = User(
        email=login.email,
        mobile=login.mobile,
        display_name=display_name,
        password_hash=password_hash,
        organisation=organisation,
        role_grants=[UserRole(role=Role(role).value) for role in sorted(set(roles))],
    )
    db.session.add(user)
    db.session.flush()
    audit.record(user if actor is SELF else actor, "user.create", user, None, user.audit_state())
    return user


def authenticate(login_text: str, password: str) -> User | None:
    """Return the active user whose login and password match, else None (same time either way)."""
    try:
        login = parse_login(login_text)
    except DomainError:
        check_password(dummy_hash(), password)
        return None
    user = find_user(login)
    if user is None:
        check_password(dummy_hash(), password)
        return None
    if not check_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; end every other session."""
    if not check_password(user.password_hash, current):
        raise PasswordRejected(_l("The current password is not correct."))
    _set_password(user, new, "user.password_change")


def _set_password(user: User, new: str, action: str) -> None:
    _check_new_password(new, user.login, user.display_name)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    sessions.end_all(user)
    audit.record(user, action, user, None, {"password_changed_at": str(user.password_changed_at)})


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def make_reset_token(user: User) -> str:
    """Return a signed token that works once: it names the current password hash."""
    return _serializer().dumps({"u": user.id, "h": user.password_hash[-16:]})


def reset_password(token: str, new: str) -> User:
    """Set a new password from a valid reset token; the token is spent by the change."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidResetToken(_l("This reset link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidResetToken(_l("This reset link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        raise InvalidResetToken(_l("This reset link has already been used. Ask for a new one."))
    _set_password(user, new, "user.password_reset")
    return user


RESET_BY_CODE = "reset"


def send_reset_code(login: Login) -> None:
    """Text a code for choosing a new password to a mobile number, if an account uses it."""
    user = find_user(login)
    if user is None or not user.active or not login.mobile:
        return  # the same answer: the page never tells whether an account exists
    codes.send(
        RESET_BY_CODE,
        login,
        lambda code, minutes: _(
            "Your Book Alliance code to choose a new password is %(code)s. It works for "
            "%(minutes)s minutes. If you did not ask for it, ignore this message.",
            code=code,
            minutes=minutes,
        ),
    )


def reset_password_by_code(login_value: str, code: str, new: str) -> User:
    """Set a new password when the code texted to the account's number is right."""
    if codes.redeem(RESET_BY_CODE, login_value, code) is None:
        raise WrongCode(_l("This code is not correct, or it has expired. Ask for a new one."))
    user = find_user(parse_login(login_value))
    if user is None or not user.active:
        raise WrongCode(_l("This code is not correct, or it has expired. Ask for a new one."))
    _set_password(user, new, "user.password_reset")
    return user


def update_profile(user: User, display_name: str, locale: str | None, timezone: str) -> None:
    """Change the user's name, language and time zone."""
    before = user.audit_state()
    display_name = display_name.strip()
    if not display_name:
        raise DomainError(_l("Enter the name to show to others."))
    user.display_name = display_name
    user.locale = locale or None
    user.timezone = timezone
    audit.record(user, "user.profile", user, before, user.audit_state())


def update_user(
    actor: User,
    user: User,
    *,
    roles,
    organisation: Organisation | None,
    active: bool,
) -> None:
    """Set a user's roles, organisation and active flag (admins only; never lock out oneself)."""
    roles = {Role(role).value for role in roles}
    if user.id == actor.id and (Role.ADMIN.value not in roles or not active):
        raise DomainError(
            _l("You cannot remove your own administrator role or deactivate yourself.")
        )
    before = user.audit_state()
    current = {grant.role: grant for grant in user.role_grants}
    for role, grant in current.items():
        if role not in roles:
            user.role_grants.remove(grant)
    for role in sorted(roles - current.keys()):
        user.role_grants.append(UserRole(role=role))
    user.organisation = organisation
    if user.active and not active:
        sessions.end_all(user)
    user.active = active
    after = user.audit_state()
    if after != before:
        audit.record(actor, "user.update", user, before, after)
