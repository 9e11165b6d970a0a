"""Reading-month campaigns: enrolment, subsidy ledger, sales, and the creators programme."""

from flask import Blueprint, Flask

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def init_app(app: Flask) -> None:
    """Register the campaign pages of the core and its programmes, the API and demo data."""
    from alliance import plugins
    from alliance.i18n import _l
    from alliance.money import yuan_text
    from campaigns import (  # noqa: F401
        allocation,
        api,
        enrolments,
        jobs,
        reports,
        sales,
        views,
    )
    from campaigns.allocation import views as allocation_views  # noqa: F401 (routes)
    from campaigns.demo import load_demo_campaigns
    from campaigns.enrolments import views as enrolment_views  # noqa: F401 (routes)
    from campaigns.enrolments.attention import (
        enrolment_open,
        enrolments_rejected,
        reviews_waiting,
    )
    from campaigns.models import (
        CAMPAIGN_STATUS_LABELS,
        CHANNEL_LABELS,
        ENROLMENT_STATUS_LABELS,
        ENTRY_KIND_LABELS,
    )
    from campaigns.reports import views as report_views  # noqa: F401 (routes)
    from campaigns.sales import api as sales_api
    from campaigns.sales import views as sales_views  # noqa: F401 (routes)

    plugins.add_nav_link(app, "campaigns.index", _l("Campaigns"))
    plugins.register_pages(app, bp, enrolments.bp, sales.bp, reports.bp, allocation.bp)
    plugins.register_api(app, api.blp, sales_api.blp)
    plugins.add_demo_loader(app, load_demo_campaigns)
    plugins.add_attention_provider(app, reviews_waiting, enrolment_open, enrolments_rejected)
    plugins.add_template_globals(
        app,
        CAMPAIGN_STATUS_LABELS=CAMPAIGN_STATUS_LABELS,
        ENROLMENT_STATUS_LABELS=ENROLMENT_STATUS_LABELS,
        ENTRY_KIND_LABELS=ENTRY_KIND_LABELS,
        CHANNEL_LABELS=CHANNEL_LABELS,
        yuan_text=yuan_text,
    )
