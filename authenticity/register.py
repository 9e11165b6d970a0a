"""Plug the authenticity package into the app: pages, API, template helpers, log redaction."""

import os

from flask import Flask

# Settings of labels read here, with their defaults: name, default, smallest allowed.
SETTINGS = (
    ("LABEL_DAILY_QUOTA", 2_000_000, 1),  # labels a publisher may order a day (Asia/Shanghai)
    ("LABEL_WRITE_CHUNK", 20_000, 1),  # labels written in one transaction
)


def configure_labels(app: Flask) -> None:
    """Read the label settings from the environment (set ones, e.g. by tests, are kept)."""
    from alliance.config import ConfigError

    for name, default, smallest in SETTINGS:
        raw = os.environ.get(name)
        if name in app.config or raw is None:
            app.config.setdefault(name, default)
            continue
        try:
            value = int(raw.replace(",", "").replace("_", ""))
        except ValueError:
            value = smallest - 1
        if value < smallest:
            raise ConfigError(f"{name} must be a whole number, {smallest} or more, not {raw!r}")
        app.config[name] = value


def register_authenticity(app: Flask) -> None:
    """Register the blueprints, the API and the template names of authenticity."""
    configure_labels(app)
    from alliance.extensions import db
    from authenticity import api, bp, label_route, logs, public, views  # noqa: F401  (routes)
    from authenticity.models import BATCH_STATUS_LABELS, REVOKE_CATEGORY_LABELS
    from authenticity.rate import VerifyLimits
    from authenticity.verification import LabelChecks

    with app.app_context():
        app.extensions["label_checks"] = LabelChecks(db.engine, app.config)
    app.extensions["label_limits"] = VerifyLimits(app.config)
    app.register_blueprint(bp)
    api.register(app.extensions["alliance_api"])
    label_route.document(app.extensions["alliance_api"])
    app.jinja_env.globals.update(
        BATCH_STATUS_LABELS=BATCH_STATUS_LABELS, REVOKE_CATEGORY_LABELS=REVOKE_CATEGORY_LABELS
    )
    logs.install()


def serve_label_checks(app: Flask) -> None:
    """Answer GET /api/v1/labels/<code> ahead of the app (see authenticity/label_route.py)."""
    from authenticity.label_route import LabelRoute

    app.wsgi_app = LabelRoute(app, app.wsgi_app)
