"""Book Alliance platform core: app factory, accounts, i18n, audit and API base."""

from alliance.app import create_app

__all__ = ["create_app"]
