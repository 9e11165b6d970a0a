"""Genuine books: authorised sellers, serialized labels and their public verification."""

from flask import Blueprint, Flask

bp = Blueprint("authenticity", __name__)


def init_app(app: Flask) -> None:
    """Register the label settings, pages, API, checks ahead of the app, commands, demo data."""
    from alliance import plugins
    from alliance.extensions import db
    from authenticity import api, jobs, label_route, logs, public, views  # noqa: F401 (routes)
    from authenticity.cli import labels_cli
    from authenticity.demo import load_demo_labels
    from authenticity.models import BATCH_STATUS_LABELS, REVOKE_CATEGORY_LABELS
    from authenticity.rate import VerifyLimits
    from authenticity.settings import read_label_settings
    from authenticity.verification import LabelChecks

    read_label_settings(app)
    with app.app_context():
        app.extensions["label_checks"] = LabelChecks(db.engine, app.config)
    app.extensions["label_limits"] = VerifyLimits(app.config)
    plugins.register_pages(app, bp)
    plugins.register_api(app, api.authorisations_blp, api.batches_blp)
    label_route.document(app.extensions["alliance_api"])
    plugins.add_wsgi_middleware(app, label_route.LabelRoute)
    plugins.add_template_globals(
        app, BATCH_STATUS_LABELS=BATCH_STATUS_LABELS, REVOKE_CATEGORY_LABELS=REVOKE_CATEGORY_LABELS
    )
    plugins.add_commands(app, labels_cli)
    plugins.add_demo_loader(app, load_demo_labels)
    logs.install()
