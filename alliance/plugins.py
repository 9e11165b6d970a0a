"""What a programme's init_app(app) calls to plug itself in: alliance never names a programme.

A domain package (campaigns, authenticity, donations...) is listed in ALLIANCE_DOMAINS; the
app factory imports it and calls its init_app(app), which registers its pages, API, commands,
demo data, settings and anything else through these helpers.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask

from alliance.extensions import csrf


def register_pages(app: Flask, *blueprints: Blueprint) -> None:
    """Register a programme's page blueprints."""
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_api(app: Flask, *blueprints) -> None:
    """Register a programme's API blueprints under /api/v1 (bearer keys: no CSRF)."""
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        app.extensions["alliance_api"].register_blueprint(blueprint)


def add_demo_loader(app: Flask, *loaders: Callable[[dict], object]) -> None:
    """Add functions loading a programme's demo data (after the alliance's own, in order)."""
    app.extensions.setdefault("demo_loaders", []).extend(loaders)


def add_attention_provider(app: Flask, *providers: Callable) -> None:
    """Add functions listing what waits for a user on the home page: provider(user) -> items."""
    app.extensions.setdefault("attention_providers", []).extend(providers)


def add_wsgi_middleware(app: Flask, wrap: Callable[[Flask, object], object]) -> None:
    """Put `wrap(app, wsgi_app)` around the app, inside the proxy handling (applied last)."""
    app.extensions.setdefault("wsgi_middleware", []).append(wrap)


def add_template_globals(app: Flask, **names) -> None:
    """Make names (label tables, helpers) available to every template."""
    app.jinja_env.globals.update(names)


@dataclass(frozen=True)
class NavLink:
    """A link of the navigation bar: where it leads, its words, and who sees it."""

    endpoint: str
    label: object
    roles: tuple[str, ...] = ()  # none: every logged-in user
    public: bool = False  # shown to visitors who are not logged in too

    def shown_to(self, user) -> bool:
        """Tell whether the user sees this link."""
        if self.public:
            return True
        return user.is_authenticated and (not self.roles or user.has_role(*self.roles))


def add_nav_link(app: Flask, endpoint: str, label, *roles: str, public: bool = False) -> None:
    """Add a link to the navigation bar, for the roles given (none: every logged-in user)."""
    app.extensions.setdefault("nav_links", []).append(NavLink(endpoint, label, roles, public))


def add_commands(app: Flask, *commands) -> None:
    """Add a programme's command-line commands to `book-alliance`."""
    for command in commands:
        app.cli.add_command(command)


def sessionless(view):
    """Mark a public view that must neither load nor write the session (no Set-Cookie)."""
    view.sessionless = True
    return view


def read_settings(app: Flask, settings) -> None:
    """Read a programme's settings: (name, default, read) each; set ones (by tests) are kept.

    `read(raw)` turns the environment's text into the value, raising ConfigError (which
    names the setting) when it is not one.
    """
    for name, default, read in settings:
        if name in app.config:
            continue
        raw = os.environ.get(name)
        app.config[name] = default if raw is None else read(name, raw)
