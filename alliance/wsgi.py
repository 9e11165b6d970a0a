"""The production WSGI app for gunicorn: `gunicorn 'alliance.wsgi:app'`."""

from alliance.app import create_app

app = create_app("production")
