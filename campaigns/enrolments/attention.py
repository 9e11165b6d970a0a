"""Home page items about enrolments: reviews waiting for staff; for publishers, enrolment
open now and enrolments rejected lately (each a bounded number of queries, whatever the data)."""

from datetime import timedelta

from flask_babel import format_date
from sqlalchemy import func, select

from alliance.attention import AttentionItem
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.catalogue.models import Title
from alliance.db import utcnow
from alliance.extensions import db
from alliance.i18n import _l, current_language, local_today
from alliance.members.services import acting_publisher
from campaigns.enrolments.services import reason_text
from campaigns.models import Campaign, CampaignStatus, Enrolment, EnrolmentStatus

REJECTED_DAYS = 30  # how long a rejection stays on the publisher's home page
MOST_SHOWN = 5  # rejections listed one by one; more are counted in one item


def reviews_waiting(user: User) -> list[AttentionItem]:
    """Tell campaign staff how many enrolments wait for review, campaign by campaign."""
    if not user.has_role(Role.CAMPAIGN_STAFF):
        return []
    rows = db.session.execute(
        select(Campaign, func.count(Enrolment.id))
        .join(Enrolment, Enrolment.campaign_id == Campaign.id)
        .where(Enrolment.status == EnrolmentStatus.PENDING)
        .group_by(Campaign.id)
        .order_by(Campaign.enrolment_closes, Campaign.id)
    ).all()
    language = current_language()
    return [
        AttentionItem(
            _l(
                "%(campaign)s: enrolments waiting for your review: %(count)s",
                campaign=campaign.display_name(language),
                count=count,
            ),
            "enrolments.index",
            _l("Review enrolments"),
            "warning",
            {"campaign_id": campaign.id},
        )
        for campaign, count in rows
    ]


def _publisher_id(user: User) -> int | None:
    publisher = acting_publisher(user)  # none yet: the membership's own item says why
    return None if publisher is None else publisher.id


def enrolment_open(user: User) -> list[AttentionItem]:
    """Tell a publisher which campaigns take enrolments now, and until when."""
    publisher_id = _publisher_id(user)
    if publisher_id is None:
        return []
    today = local_today()
    enrolled = (
        select(func.count(Enrolment.id))
        .where(Enrolment.campaign_id == Campaign.id, Enrolment.publisher_id == publisher_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Campaign, enrolled)
        .where(
            Campaign.status == CampaignStatus.ENROLMENT_OPEN,
            Campaign.enrolment_opens <= today,
            Campaign.enrolment_closes >= today,
        )
        .order_by(Campaign.enrolment_closes, Campaign.id)
    ).all()
    language = current_language()
    items = []
    for campaign, count in rows:
        values = {
            "campaign": campaign.display_name(language),
            "day": format_date(campaign.enrolment_closes, "long"),
            "count": count,
        }
        if count:
            message = _l(
                "%(campaign)s takes enrolments until %(day)s. Your titles enrolled: %(count)s",
                **values,
            )
        else:
            message = _l(
                "%(campaign)s takes enrolments until %(day)s. None of your titles is enrolled yet.",
                **values,
            )
        items.append(
            AttentionItem(
                message,
                "enrolments.create",
                _l("Enrol a title"),
                "info",
                {"campaign_id": campaign.id},
            )
        )
    return items


def enrolments_rejected(user: User) -> list[AttentionItem]:
    """Tell a publisher which of its enrolments were rejected lately, and why."""
    publisher_id = _publisher_id(user)
    if publisher_id is None:
        return []
    rows = db.session.execute(
        select(Enrolment, Title.title, Campaign)
        .join(Title, Title.id == Enrolment.title_id)
        .join(Campaign, Campaign.id == Enrolment.campaign_id)
        .where(
            Enrolment.publisher_id == publisher_id,
            Enrolment.status == EnrolmentStatus.REJECTED,
            Enrolment.decided_at >= utcnow() - timedelta(days=REJECTED_DAYS),
        )
        .order_by(Enrolment.decided_at.desc(), Enrolment.id.desc())
        .limit(MOST_SHOWN + 1)
    ).all()
    language = current_language()
    items = [
        AttentionItem(
            _l(
                "Your enrolment of %(title)s in %(campaign)s was rejected: %(reason)s",
                title=title,
                campaign=campaign.display_name(language),
                reason=reason_text(enrolment) or "—",
            ),
            "campaigns.detail",
            _l("View the campaign"),
            "warning",
            {"campaign_id": campaign.id},
        )
        for enrolment, title, campaign in rows[:MOST_SHOWN]
    ]
    if len(rows) > MOST_SHOWN:
        items.append(
            AttentionItem(
                _l(
                    "More of your enrolments were rejected in the last %(days)s days.",
                    days=REJECTED_DAYS,
                ),
                "campaigns.index",
                _l("View the campaigns"),
                "warning",
            )
        )
    return items
