"""Home page items about rights: the officers' queue, and rights the holder must correct."""

from flask_babel import format_date
from sqlalchemy import select

from alliance.attention import AttentionItem
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.extensions import db
from alliance.i18n import _l
from authenticity.ip import services
from authenticity.ip.models import Right, RightStatus

MOST_SHOWN = 5


def rights_to_verify(user: User) -> list[AttentionItem]:
    """Tell an IP officer how many rights wait for verification, and for how long."""
    if not user.has_role(Role.IP_OFFICER):
        return []
    count, oldest = services.waiting_count()
    if not count:
        return []
    return [
        AttentionItem(
            _l(
                "Rights waiting for verification: %(n)s (the oldest sent %(date)s).",
                n=count,
                date=format_date(oldest),
            ),
            "ip.review",
            _l("Verify rights"),
            "warning",
        )
    ]


def rights_rejected(user: User) -> list[AttentionItem]:
    """Tell a holder which of its rights were rejected and can be corrected and sent again."""
    if not user.has_role(*services.FILER_ROLES) or user.organisation_id is None:
        return []
    rows = db.session.execute(
        select(Right.id, Right.title)
        .where(Right.organisation_id == user.organisation_id, Right.status == RightStatus.REJECTED)
        .order_by(Right.decided_at.desc(), Right.id.desc())
        .limit(MOST_SHOWN + 1)
    ).all()
    items = [
        AttentionItem(
            _l(
                "Your right “%(title)s” was rejected. Read why, correct it and send it again.",
                title=title,
            ),
            "ip.edit",
            _l("Correct the right"),
            "danger",
            {"right_id": right_id},
        )
        for right_id, title in rows[:MOST_SHOWN]
    ]
    if len(rows) > MOST_SHOWN:
        items.append(
            AttentionItem(
                _l("More of your rights were rejected."),
                "ip.index",
                _l("View your rights"),
                "danger",
            )
        )
    return items
