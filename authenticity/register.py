"""Plug the authenticity package into the app: pages, API, template helpers, log redaction."""

from flask import Flask


def register_authenticity(app: Flask) -> None:
    """Register the blueprints, the API and the template names of authenticity."""
    from authenticity import api, bp, logs, public, views  # noqa: F401  (views add routes)
    from authenticity.models import BATCH_STATUS_LABELS, REVOKE_CATEGORY_LABELS

    app.register_blueprint(bp)
    api.register(app.extensions["alliance_api"])
    app.jinja_env.globals.update(
        BATCH_STATUS_LABELS=BATCH_STATUS_LABELS, REVOKE_CATEGORY_LABELS=REVOKE_CATEGORY_LABELS
    )
    logs.install()
