"""Home page items about notices: the officers' queue, a holder's questions and answers due,
a merchant's removals it may still answer."""

from datetime import timedelta

from flask import current_app
from flask_babel import format_date
from sqlalchemy import func, select

from alliance.attention import AttentionItem
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.db import utcnow
from alliance.extensions import db
from alliance.i18n import _l
from authenticity.ip import services as rights
from authenticity.notices.models import CounterNotice, ItemStatus, Merchant, NoticeItem
from authenticity.notices.services import waiting

MOST_SHOWN = 5


def listings_to_review(user: User) -> list[AttentionItem]:
    """Tell an IP officer how many listings wait for a decision, and since when."""
    if not user.has_role(Role.IP_OFFICER):
        return []
    count, oldest = db.session.execute(
        select(func.count(NoticeItem.id), func.min(NoticeItem.submitted_at)).where(waiting())
    ).one()
    if not count:
        return []
    return [
        AttentionItem(
            _l("Listings waiting for review: %(n)s (the oldest sent %(date)s).", n=count,
               date=format_date(oldest)),
            "notices.review",
            _l("Review listings"),
        )
    ]  # fmt: skip


def notices_waiting_for_holder(user: User) -> list[AttentionItem]:
    """Tell a holder which listings wait for its answer: a question, or a counter-notice."""
    if not user.has_role(*rights.FILER_ROLES) or user.organisation_id is None:
        return []
    rows = db.session.execute(
        select(NoticeItem.notice_id, NoticeItem.listing_id, NoticeItem.status,
               CounterNotice.holder_deadline)
        .outerjoin(CounterNotice, CounterNotice.item_id == NoticeItem.id)
        .where(
            NoticeItem.organisation_id == user.organisation_id,
            NoticeItem.status.in_([ItemStatus.CLARIFICATION_REQUESTED,
                                   ItemStatus.COUNTER_NOTICED]),
        )
        .order_by(NoticeItem.id)
        .limit(MOST_SHOWN + 1)
    ).all()  # fmt: skip
    items = []
    for notice_id, listing_id, status, deadline in rows[:MOST_SHOWN]:
        if status == ItemStatus.COUNTER_NOTICED:
            message = _l(
                "The merchant of listing %(listing)s answered your notice %(n)s. Reply by "
                "%(day)s, or the listing is reinstated.",
                listing=listing_id, n=notice_id, day=format_date(deadline),
            )  # fmt: skip
        else:
            message = _l("An IP officer asks about listing %(listing)s of your notice %(n)s.",
                         listing=listing_id, n=notice_id)  # fmt: skip
        items.append(AttentionItem(message, "notices.detail", _l("Answer"), "danger",
                                   {"notice_id": notice_id}))  # fmt: skip
    if len(rows) > MOST_SHOWN:
        items.append(AttentionItem(_l("More listings wait for your answer."), "notices.index",
                                   _l("View your notices"), "danger"))  # fmt: skip
    return items


def removals_to_answer(user: User) -> list[AttentionItem]:
    """Tell a merchant which of its listings were removed and may still be counter-noticed."""
    if not user.has_role(Role.MERCHANT) or user.organisation_id is None:
        return []
    since = utcnow() - timedelta(days=current_app.config["NOTICE_COUNTER_DAYS"] + 1)
    count = db.session.scalar(
        select(func.count(NoticeItem.id))
        .join(Merchant, Merchant.merchant_id == NoticeItem.merchant_id)
        .where(
            Merchant.organisation_id == user.organisation_id,
            NoticeItem.status == ItemStatus.REMOVED,
            NoticeItem.decided_at >= since,
        )
    )
    if not count:
        return []
    return [
        AttentionItem(
            _l("Listings of yours removed on a notice: %(n)s. If a removal was a mistake, "
               "answer it with a counter-notice.", n=count),
            "notices.merchant_index",
            _l("See the notices"),
            "warning",
            {"status": ItemStatus.REMOVED.value},
        )
    ]  # fmt: skip
