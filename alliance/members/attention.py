"""Home page items about memberships: an application's outcome, a suspension, the queue."""

from datetime import timedelta

from alliance.attention import AttentionItem
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.db import utcnow
from alliance.i18n import _l, current_language
from alliance.members.models import MemberStatus
from alliance.members.services import waiting_applications

# How long a newly approved member is welcomed on the home page.
WELCOME_DAYS = 30


def membership_status(user: User) -> list[AttentionItem]:
    """Tell an organisation's users where its application or membership stands."""
    organisation = user.organisation
    if organisation is None:
        return []
    name = organisation.display_name(current_language())
    reason = organisation.status_reason or "—"
    link = {"organisation_id": organisation.id}
    status = organisation.status
    if status == MemberStatus.APPLIED:
        message = _l(
            "Your application for %(name)s is pending. An administrator will review it.",
            name=name,
        )
        return [AttentionItem(message, "members.detail", _l("View the application"), "info", link)]
    if status == MemberStatus.REJECTED:
        message = _l(
            "Your application for %(name)s was rejected: %(reason)s", name=name, reason=reason
        )
        return [
            AttentionItem(message, "members.detail", _l("View the application"), "warning", link)
        ]
    if status == MemberStatus.SUSPENDED:
        message = _l(
            "The membership of %(name)s is suspended: %(reason)s", name=name, reason=reason
        )
        return [AttentionItem(message, "members.detail", _l("View the profile"), "warning", link)]
    decided_at = organisation.decided_at
    if decided_at is not None and utcnow() - decided_at < timedelta(days=WELCOME_DAYS):
        message = _l(
            "Your application for %(name)s was approved. Welcome to the alliance!", name=name
        )
        return [AttentionItem(message, "members.detail", _l("View the profile"), "info", link)]
    return []


def applications_waiting(user: User) -> list[AttentionItem]:
    """Tell administrators how many membership applications wait for a decision."""
    if not user.has_role(Role.ADMIN):
        return []
    waiting = waiting_applications()
    if not waiting:
        return []
    return [
        AttentionItem(
            _l("%(count)s membership applications are waiting for a decision.", count=waiting),
            "members.applications",
            _l("Review applications"),
            "warning",
        )
    ]
