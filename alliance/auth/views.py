"""Account pages: register, log in and out, passwords, profile."""

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from alliance.auth import bp, codes, services, sessions
from alliance.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetByCodeForm,
    ResetPasswordForm,
)
from alliance.auth.identifiers import parse_login
from alliance.auth.roles import public, role_required
from alliance.errors import DomainError
from alliance.extensions import db, limiter, login_manager
from alliance.i18n import set_language_cookie
from alliance.links import public_url
from alliance.mail import send_mail
from alliance.web import perform

RESET_TOKEN = "reset_token"  # noqa: S105 - a session key, not a secret
SIGNUP_LOGIN = "signup_login"  # the login a registration code was sent to
RESET_LOGIN = "reset_login"  # the mobile number a reset code was sent to


def _login_key() -> str:
    """Rate-limit key for one account, whether or not it exists."""
    text = (request.form.get("login") or "")[:320]
    try:
        return "login:" + parse_login(text).value
    except DomainError:
        return "login:" + text.strip().lower()


def _login_and_address_key() -> str:
    """Rate-limit key for one account tried from one address."""
    return f"{_login_key()}@{request.remote_addr}"


def _ip_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_IP"]


def _account_and_address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS"]


def _account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"]


def _failed(response) -> bool:
    """Count only failed log-ins: a successful one redirects."""
    return response.status_code != 302


def _safe_next(target: str | None) -> str | None:
    """Return `target` only when it is a path on this site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _start_session(user) -> None:
    """Log `user` in on this device: a new login session row, a fresh cookie session."""
    session.clear()  # a fresh session on every log-in
    sessions.start(user, request.user_agent.string)
    db.session.commit()
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(
    _account_and_address_limit,
    key_func=_login_and_address_key,
    methods=["POST"],
    deduct_when=_failed,
)
@limiter.limit(_account_limit, key_func=_login_key, methods=["POST"], deduct_when=_failed)
def login():
    """Log in with an email address or mobile number and a password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            db.session.commit()
            _start_session(user)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        db.session.rollback()
        form.password.errors.append(_("The login or password is not correct."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@role_required()
def logout():
    """End the session, on the server too: its cookie opens nothing afterwards."""
    sessions.end(current_user.session_credential)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _registering_login() -> str:
    """Rate-limit key for the address being registered, whoever asks."""
    try:
        return "register:" + parse_login((request.form.get("login") or "")[:320]).value
    except DomainError:
        return "register:-"


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_registering_login, methods=["POST"])
def register():
    """Ask for an account: a code goes to the email address or mobile number to prove it."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit() and (
        done := perform(
            lambda: services.start_registration(
                form.login.data, form.display_name.data, form.password.data
            ),
            form.login,
        )
    ):
        session[SIGNUP_LOGIN] = done.value.value
        return redirect(url_for("auth.confirm_registration"))
    return render_template("auth/register.html", form=form)


@bp.route("/register/confirm", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def confirm_registration():
    """Create the account once the code sent to its address or number is entered."""
    login = session.get(SIGNUP_LOGIN)
    if not login:
        return redirect(url_for("auth.register"))
    form = CodeForm()
    if form.validate_on_submit() and (
        done := perform(lambda: services.complete_registration(login, form.code.data), form.code)
    ):
        session.pop(SIGNUP_LOGIN, None)
        _start_session(done.value)
        flash(_("Your account is ready. Welcome to Book Alliance!"), "success")
        return redirect(url_for("main.index"))
    minutes = int(codes.LIFETIME.total_seconds() // 60)
    return render_template(
        "auth/confirm_registration.html", form=form, login=login, minutes=minutes
    )


@bp.route("/password", methods=["GET", "POST"])
@role_required()
def change_password():
    """Change the password; every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit() and perform(
        lambda: services.change_password(current_user, form.current.data, form.password.data),
        form.current,
    ):
        _start_session(current_user._get_current_object())
        flash(_("Your password has been changed and your other sessions have ended."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@public
@limiter.limit("5 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_login_key, methods=["POST"])
def forgot_password():
    """Mail a reset link, or text a code to a mobile number; the same answer either way."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        login = parse_login(form.login.data)
        if login.mobile:
            perform(lambda: services.send_reset_code(login))
            session[RESET_LOGIN] = login.value
            flash(_("If an account uses this number, we have sent it a code by SMS."), "info")
            return redirect(url_for("auth.reset_by_code"))
        user = services.find_user(login)
        if user is not None and user.active:
            link = public_url("auth.open_reset_link", token=services.make_reset_token(user))
            minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
            send_mail(
                user.email,
                _("Reset your Book Alliance password"),
                _(
                    "Open this link to choose a new password. It works once, for %(minutes)s "
                    "minutes:\n\n%(link)s\n\nIf you did not ask for this, ignore this message.",
                    minutes=minutes,
                    link=link,
                ),
            )
        flash(
            _("If an account uses this address, we have sent a link to reset its password."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/code", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def reset_by_code():
    """Choose a new password with the code texted to the account's mobile number."""
    login = session.get(RESET_LOGIN)
    if not login:
        return redirect(url_for("auth.forgot_password"))
    form = ResetByCodeForm()
    if form.validate_on_submit() and perform(
        lambda: services.reset_password_by_code(login, form.code.data, form.password.data),
        form.code,
    ):
        session.pop(RESET_LOGIN, None)
        flash(_("Your password has been reset. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_by_code.html", form=form, login=login)


@bp.route("/reset/<token>")
@public
def open_reset_link(token):
    """Keep a reset link's token in the session, out of the address bar, history and Referer."""
    session[RESET_TOKEN] = token[:512]
    return redirect(url_for("auth.reset_password"))


@bp.route("/reset", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def reset_password():
    """Choose a new password after opening a reset link."""
    token = session.get(RESET_TOKEN)
    if not token:
        flash(_("Open the link from the email again, or ask for a new one."), "info")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        session.pop(RESET_TOKEN, None)
        if not perform(lambda: services.reset_password(token, form.password.data)):
            return redirect(url_for("auth.forgot_password"))
        flash(_("Your password has been reset. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@role_required()
def profile():
    """Show and change the user's name, language and time zone."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit() and perform(
        lambda: services.update_profile(
            current_user, form.display_name.data, form.locale.data, form.timezone.data
        ),
        form.display_name,
    ):
        flash(_("Your profile has been saved."), "success")
        return set_language_cookie(redirect(url_for("auth.profile")), form.locale.data or None)
    return render_template("auth/profile.html", form=form)


@login_manager.user_loader
def load_user(credential: str):
    """Load the user of a live login session; an ended session or a deactivated user is none."""
    return sessions.user_for(credential)
