"""Plug the authenticity package into the app: pages, API, template helpers, log redaction."""

from flask import Flask


def register_authenticity(app: Flask) -> None:
    """Register the blueprints, the API and the template names of authenticity."""
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
