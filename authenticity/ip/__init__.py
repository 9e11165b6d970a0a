"""IP protection: rights registered once and verified, agencies acting for their principals."""

from flask import Blueprint, Flask

bp = Blueprint("ip", __name__, url_prefix="/ip")


def init_app(app: Flask) -> None:
    """Register the rights registry's pages, API, navigation, demo data and home-page items."""
    from alliance import plugins
    from alliance.auth.roles import Role
    from alliance.i18n import _l
    from authenticity.ip import (  # noqa: F401 (routes)
        api,
        jobs,
        views,
    )
    from authenticity.ip.attention import rights_rejected, rights_to_verify
    from authenticity.ip.demo import load_demo_rights
    from authenticity.ip.models import DECISION_REASONS, RIGHT_STATUS_LABELS, RIGHT_TYPE_LABELS

    plugins.register_pages(app, bp)
    plugins.register_api(app, api.rights_blp)
    plugins.add_nav_link(app, "ip.index", _l("IP protection"), Role.RIGHTS_HOLDER, Role.PUBLISHER)
    plugins.add_nav_link(app, "ip.review", _l("Rights to verify"), Role.IP_OFFICER)
    plugins.add_template_globals(
        app,
        RIGHT_STATUS_LABELS=RIGHT_STATUS_LABELS,
        RIGHT_TYPE_LABELS=RIGHT_TYPE_LABELS,
        DECISION_REASONS=DECISION_REASONS,
    )
    plugins.add_demo_loader(app, load_demo_rights)
    plugins.add_attention_provider(app, rights_to_verify, rights_rejected)
