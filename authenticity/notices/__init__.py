"""Notice and takedown: notices naming many listings, officers' decisions, counter-notices."""

from flask import Blueprint, Flask

bp = Blueprint("notices", __name__, url_prefix="/ip/notices")


def init_app(app: Flask) -> None:
    """Register the notice pages, API, settings, navigation and the names templates use."""
    from alliance import plugins
    from alliance.auth.roles import Role
    from alliance.i18n import _l
    from authenticity.notices import (  # noqa: F401 (routes)
        api,
        jobs,
        models,
        views,
    )
    from authenticity.notices.attention import (
        listings_to_review,
        notices_waiting_for_holder,
        removals_to_answer,
    )
    from authenticity.notices.demo import load_demo_notices
    from authenticity.notices.settings import read_notice_settings

    read_notice_settings(app)
    plugins.register_pages(app, bp)
    plugins.register_api(app, api.notices_blp, api.items_blp, api.merchants_blp)
    plugins.add_demo_loader(app, load_demo_notices)
    plugins.add_attention_provider(
        app, listings_to_review, notices_waiting_for_holder, removals_to_answer
    )
    plugins.add_nav_link(app, "notices.index", _l("Notices"), Role.RIGHTS_HOLDER, Role.PUBLISHER)
    plugins.add_nav_link(app, "notices.review", _l("Listings to review"), Role.IP_OFFICER)
    plugins.add_nav_link(app, "notices.merchants", _l("Merchants"), Role.IP_OFFICER)
    plugins.add_nav_link(app, "notices.merchant_index", _l("Notices against you"), Role.MERCHANT)
    plugins.add_template_globals(
        app,
        ITEM_STATUS_LABELS=models.ITEM_STATUS_LABELS,
        ITEM_STATUS_COLOURS=models.ITEM_STATUS_COLOURS,
        REASON_LABELS=models.REASON_LABELS,
        REGIME_LABELS=models.REGIME_LABELS,
        REJECTION_REASONS=models.REJECTION_REASONS,
        EVENT_BY_LABELS=models.EVENT_BY_LABELS,
        LISTING_FIELD_LABELS=models.LISTING_FIELD_LABELS,
    )
