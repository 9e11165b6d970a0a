"""Genuine books: authorised sellers, serialized labels, their verification, IP protection."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the label settings, pages, API, checks ahead of the app, commands, demo data."""
    from alliance import plugins
    from alliance.auth.roles import Role
    from alliance.extensions import db
    from alliance.i18n import _l
    from authenticity import ip, labels, notices, sellers
    from authenticity.labels import api as labels_api
    from authenticity.labels import (
        jobs,  # noqa: F401 (job kinds, periodic tasks)
        label_route,
        logs,
        public,
    )
    from authenticity.labels import views as labels_views  # noqa: F401 (routes)
    from authenticity.labels.attention import batches_to_print
    from authenticity.labels.cli import labels_cli
    from authenticity.labels.demo import load_demo_labels
    from authenticity.labels.models import BATCH_STATUS_LABELS, REVOKE_CATEGORY_LABELS
    from authenticity.labels.rate import VerifyLimits
    from authenticity.labels.settings import read_label_settings
    from authenticity.labels.verification import LabelChecks
    from authenticity.sellers import api as sellers_api
    from authenticity.sellers import views as sellers_views  # noqa: F401 (routes)

    read_label_settings(app)
    with app.app_context():
        app.extensions["label_checks"] = LabelChecks(db.engine, app.config)
    app.extensions["label_limits"] = VerifyLimits(app.config)
    plugins.register_pages(app, sellers.bp, labels.bp, public.bp)
    plugins.register_api(app, sellers_api.authorisations_blp, labels_api.batches_blp)
    plugins.add_nav_link(app, "labels.index", _l("Genuine-book labels"), Role.PUBLISHER)
    plugins.add_nav_link(app, "labels.reports_index", _l("Label reports"), Role.IP_OFFICER)
    app.extensions["alliance_api"].describe(label_route.document)
    plugins.add_wsgi_middleware(app, label_route.LabelRoute)
    plugins.add_template_globals(
        app,
        BATCH_STATUS_LABELS=BATCH_STATUS_LABELS,
        REVOKE_CATEGORY_LABELS=REVOKE_CATEGORY_LABELS,
    )
    plugins.add_commands(app, labels_cli)
    plugins.add_demo_loader(app, load_demo_labels)
    plugins.add_attention_provider(app, batches_to_print)
    logs.install()
    ip.init_app(app)
    notices.init_app(app)
    plugins.add_nav_link(app, "verify.index", _l("Check a label"), public=True)
