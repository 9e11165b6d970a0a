"""Reading-month campaigns: enrolment, subsidy ledger, sales, and the creators programme."""

from flask import Blueprint, Flask

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def init_app(app: Flask) -> None:
    """Register the campaign pages, API and demo data."""
    from alliance import plugins
    from campaigns import api, sales_api, views  # noqa: F401 (routes)
    from campaigns.demo import load_demo_campaigns

    plugins.register_pages(app, bp)
    plugins.register_api(app, api.blp, sales_api.blp)
    plugins.add_demo_loader(app, load_demo_campaigns)
