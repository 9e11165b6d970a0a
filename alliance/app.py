"""The app factory: config, extensions, blueprints, error handlers, CLI."""

import importlib
import os
from pathlib import Path

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_talisman import Talisman
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from alliance.config import build_config
from alliance.db import configure_sqlite
from alliance.errors import ProblemApi, register_error_handlers
from alliance.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from alliance.i18n import _l
from alliance.logs import assign_request_id, configure_logging, expose_request_id, forget_request_id
from alliance.plugins import add_attention_provider, register_api, register_pages
from alliance.proxies import TrustedProxies

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Endpoints of Flask and libraries that serve public, static content.
LIBRARY_PUBLIC_ENDPOINTS = {"static", "bootstrap.static", "api-docs.openapi_json"}
# Probes of a load balancer: answered over plain HTTP and whatever Host they send (no data).
PROBE_PATHS = {"/healthz", "/readyz"}
# Endpoints that must not load the session (and so the user) from the database.
# Library endpoints that serve files: no session. Views of ours say so with @sessionless.
LIBRARY_SESSIONLESS = {"static", "bootstrap.static"}

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class BoundedIntConverter(IntegerConverter):
    """An <int:...> path part that fits an INTEGER id column; a larger one is simply a 404."""

    largest = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's is wider

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > self.largest:
            # Not a ValidationError: that would try the other routes and end in a 405.
            raise NotFound()
        return number


class SessionInterface(SecureCookieSessionInterface):
    """Cookie sessions, never written (no Set-Cookie) on sessionless endpoints."""

    def save_session(self, app, session, response):
        if _sessionless(app):
            return
        super().save_session(app, session, response)


def _sessionless(app: Flask) -> bool:
    """Tell whether this request's view is marked @sessionless (or serves library files)."""
    endpoint = request.endpoint
    view = app.view_functions.get(endpoint)
    return endpoint in LIBRARY_SESSIONLESS or getattr(view, "sessionless", False)


class AllianceFlask(Flask):
    """Flask, letting the load balancer's probes through whatever Host they send."""

    def create_url_adapter(self, request):
        if request is not None and request.path in PROBE_PATHS:
            # A probe names the server by its address; TRUSTED_HOSTS guards everything else.
            return self.url_map.bind_to_environ(request.environ, subdomain="")
        return super().create_url_adapter(request)


def create_app(env: str | None = None, **overrides) -> Flask:
    """Build the Book Alliance app for `env` (default: $ALLIANCE_ENV, else development)."""
    env = env or os.environ.get("ALLIANCE_ENV", "development")
    app = AllianceFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=os.environ.get("ALLIANCE_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
    )
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_mapping(build_config(env, Path(app.instance_path)))
    app.config.update(overrides)
    configure_logging(app)
    # First of all hooks, so that even an HTTPS redirect carries this request's own id.
    app.before_request(assign_request_id)
    app.teardown_request(forget_request_id)
    _bind_extensions(app)
    _register_blueprints(app)
    _init_domains(app)
    register_error_handlers(app)
    _register_request_hooks(app)
    _register_template_helpers(app)
    _register_cli(app)
    _start_services(app)
    _check_every_view_is_guarded(app)
    _wrap_wsgi(app)
    return app


def _wrap_wsgi(app: Flask) -> None:
    """Put the WSGI middleware around the app: the programmes' own, then the proxies outside."""
    for wrap in app.extensions.get("wsgi_middleware", []):
        app.wsgi_app = wrap(app, app.wsgi_app)
    config = app.config
    app.wsgi_app = TrustedProxies(app.wsgi_app, config["PROXY_FIX_HOPS"], config["PROXY_ADDRESSES"])


def _bind_extensions(app: Flask) -> None:
    from alliance.i18n import select_locale, select_timezone

    app.session_interface = SessionInterface()
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    limiter.init_app(app)
    # Talisman keeps its settings on the instance, so each app gets its own.
    Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=True,
    )
    bootstrap.init_app(app)
    # flask-smorest keeps one spec per Api instance, so each app gets its own.
    api = ProblemApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal API key"}
    )
    id_schema = {"type": "integer", "minimum": 0, "maximum": BoundedIntConverter.largest}
    api.register_converter(BoundedIntConverter, lambda _converter: id_schema)
    app.extensions["alliance_api"] = api


def _register_blueprints(app: Flask) -> None:
    from alliance.admin.views import bp as admin_bp
    from alliance.api.api import blp as account_api
    from alliance.api.views import bp as api_keys_bp
    from alliance.attention import account_setup, users_waiting_for_roles
    from alliance.auth.views import bp as auth_bp
    from alliance.catalogue.api import blp as catalogue_api
    from alliance.catalogue.views import bp as catalogue_bp
    from alliance.files.views import bp as files_bp
    from alliance.jobs.api import blp as jobs_api
    from alliance.jobs.views import bp as jobs_bp
    from alliance.main.views import bp as main_bp
    from alliance.members.attention import applications_waiting, membership_status
    from alliance.members.views import bp as members_bp
    from alliance.notifications.views import bp as notifications_bp
    from alliance.webhooks import (  # noqa: F401 (their tasks: delivery, sweep, pruning)
        delivery,
        retention,
    )
    from alliance.webhooks.views import bp as webhooks_bp

    register_pages(
        app, main_bp, auth_bp, admin_bp, api_keys_bp, members_bp, catalogue_bp, jobs_bp,
        notifications_bp, files_bp, webhooks_bp,
    )  # fmt: skip
    register_api(app, account_api, catalogue_api, jobs_api)
    add_attention_provider(
        app, account_setup, users_waiting_for_roles, membership_status, applications_waiting
    )
    limiter.exempt(app.view_functions["main.healthz"])


def _init_domains(app: Flask) -> None:
    """Plug in each programme of ALLIANCE_DOMAINS: its init_app registers all it brings."""
    for name in app.config["ALLIANCE_DOMAINS"]:
        importlib.import_module(name).init_app(app)


def _register_request_hooks(app: Flask) -> None:
    from alliance.i18n import remember_language

    @app.after_request
    def _finish(response):
        expose_request_id(response)
        remember_language(response)
        if _is_private(response):
            response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
        return response


def _is_private(response) -> bool:
    """Tell whether a response holds a user's data and must not be cached."""
    if "Cache-Control" in response.headers or _sessionless(current_app):
        return False
    return request.path.startswith("/api/") or current_user.is_authenticated


def _register_template_helpers(app: Flask) -> None:
    from alliance.audit import audit_value
    from alliance.auth.roles import ROLE_LABELS, Role
    from alliance.catalogue.models import FORMAT_LABELS
    from alliance.catalogue.models import ROLE_LABELS as CONTRIBUTOR_ROLE_LABELS
    from alliance.catalogue.models import STATUS_LABELS as TITLE_STATUS_LABELS
    from alliance.i18n import (
        LANGUAGE_NAMES,
        current_language,
        date_filter,
        datetime_filter,
        html_lang,
        switch_language_url,
    )
    from alliance.members.models import KIND_LABELS
    from alliance.members.models import STATUS_LABELS as MEMBER_STATUS_LABELS
    from alliance.money import format_money
    from alliance.notifications.services import unread_count

    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["audit_value"] = audit_value
    app.jinja_env.globals.update(
        current_language=current_language,
        html_lang=html_lang,
        switch_language_url=switch_language_url,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        ROLE_LABELS=ROLE_LABELS,
        KIND_LABELS=KIND_LABELS,
        FORMAT_LABELS=FORMAT_LABELS,
        TITLE_STATUS_LABELS=TITLE_STATUS_LABELS,
        CONTRIBUTOR_ROLE_LABELS=CONTRIBUTOR_ROLE_LABELS,
        MEMBER_STATUS_LABELS=MEMBER_STATUS_LABELS,
        Role=Role,
        unread_notifications=lambda: unread_count(current_user),
        nav_links=lambda: app.extensions.get("nav_links", []),
    )


def _start_services(app: Flask) -> None:
    """Bind the services every programme uses: file storage, where job progress is written
    (the job queue is built on first use, by alliance.jobs.queue.queue_of), and the
    marketplace webhooks' settings."""
    from alliance.files.storage import storage_for
    from alliance.jobs.services import progress_connection
    from alliance.webhooks.settings import read_webhook_settings

    read_webhook_settings(app)

    app.extensions["jobs_progress_connection"] = progress_connection
    config = app.config
    app.extensions["file_storage"] = storage_for(
        config["FILES_URL"], app.instance_path, config["FILES_S3_ENDPOINT"]
    )


def _register_cli(app: Flask) -> None:
    from alliance.cli import register_commands

    register_commands(app)


def _check_every_view_is_guarded(app: Flask) -> None:
    """Refuse to start when a view has neither a role rule nor an explicit public mark."""
    unguarded = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in LIBRARY_PUBLIC_ENDPOINTS and not hasattr(view, "access_rule")
    ]
    if unguarded:
        raise RuntimeError(f"views without an access rule: {', '.join(sorted(unguarded))}")
