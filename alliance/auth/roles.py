"""Roles and the role_required guard: every view denies unless a rule lets the user in."""

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_login import current_user

from alliance.extensions import login_manager
from alliance.i18n import _l


class Role(StrEnum):
    """What a user may do on the platform."""

    ADMIN = "admin"
    CAMPAIGN_STAFF = "campaign_staff"
    IP_OFFICER = "ip_officer"
    CHARITY_COORDINATOR = "charity_coordinator"
    PUBLISHER = "publisher"
    WRITER = "writer"
    REVIEWER = "reviewer"
    RIGHTS_HOLDER = "rights_holder"
    MERCHANT = "merchant"
    MARKETPLACE = "marketplace"  # the marketplace's systems, through API keys


# The roles whose work is done for an organisation (a member of the alliance, or a merchant).
ROLES_NEEDING_ORGANISATION = frozenset(
    {Role.PUBLISHER, Role.CHARITY_COORDINATOR, Role.MERCHANT, Role.RIGHTS_HOLDER}
)


def may_apply_for_membership(user) -> bool:
    """Tell whether to offer the user a membership application: no organisation yet, and no
    role, or a role whose work is done for an organisation (not a writer or a reviewer)."""
    if user.organisation_id is not None:
        return False
    return not user.roles or user.has_role(*ROLES_NEEDING_ORGANISATION)


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.CAMPAIGN_STAFF: _l("Campaign staff"),
    Role.IP_OFFICER: _l("IP officer"),
    Role.CHARITY_COORDINATOR: _l("Charity coordinator"),
    Role.PUBLISHER: _l("Publisher staff"),
    Role.WRITER: _l("Independent writer"),
    Role.REVIEWER: _l("Grant reviewer"),
    Role.RIGHTS_HOLDER: _l("Rights holder or agent"),
    Role.MERCHANT: _l("Marketplace merchant"),
    Role.MARKETPLACE: _l("Marketplace systems (API)"),
}


def role_required(*roles):
    """Let in only logged-in users holding one of `roles` (or any user, with no roles given)."""

    def decorator(view):
        view.access_rule = roles or ("authenticated",)

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def public(view):
    """Mark a view as open to everyone, so the deny-by-default check lets it through."""
    view.access_rule = ("public",)
    return view
