"""What needs a user's attention on the home page: providers registered per app by plugins."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from alliance.auth.models import User, UserRole
from alliance.auth.roles import ROLES_NEEDING_ORGANISATION, Role
from alliance.extensions import db
from alliance.i18n import _l


@dataclass(frozen=True)
class AttentionItem:
    """One thing to do, with where to do it."""

    message: str
    endpoint: str | None = None
    action: str | None = None
    level: str = "warning"
    args: dict = field(default_factory=dict)


Provider = Callable[[User], list[AttentionItem]]


def attention_for(user: User) -> list[AttentionItem]:
    """Collect the attention items of every provider of the app for `user`, in their order."""
    providers = current_app.extensions.get("attention_providers", [])
    return [item for provider in providers for item in provider(user)]


def account_setup(user: User) -> list[AttentionItem]:
    """Tell a user without roles, or without the organisation their role needs, what happens."""
    waiting_for_membership = (
        user.organisation is not None and not user.organisation.is_active_member
    )
    if not user.roles and not waiting_for_membership:
        return [
            AttentionItem(
                _l(
                    "Your account has no role yet. An administrator will grant you the role "
                    "that matches your work; until then you can complete your profile."
                ),
                "auth.profile",
                _l("Complete your profile"),
                "info",
            )
        ]
    if user.organisation_id is None and user.has_role(*ROLES_NEEDING_ORGANISATION):
        return [
            AttentionItem(
                _l(
                    "Your account is not linked to an organisation yet. Ask an administrator "
                    "to link it, so that you can manage your organisation's data."
                ),
                level="warning",
            )
        ]
    return []


def users_waiting_for_roles(user: User) -> list[AttentionItem]:
    """Tell administrators how many users are waiting for a role."""
    if not user.has_role(Role.ADMIN):
        return []
    waiting = db.session.scalar(
        select(func.count(User.id)).where(
            User.active.is_(True),
            ~select(UserRole.user_id).where(UserRole.user_id == User.id).exists(),
        )
    )
    if not waiting:
        return []
    return [
        AttentionItem(
            _l("%(count)s users are waiting for a role.", count=waiting),
            "admin.users",
            _l("Review users"),
            "warning",
            {"without_role": 1},
        )
    ]
