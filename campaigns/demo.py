"""Demo campaigns: Reading Month 2021 with 1,000+ enrolled titles and its money, and one open."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from alliance.auth.models import User
from alliance.catalogue.models import Title
from alliance.extensions import db
from alliance.i18n import local_today
from campaigns import services
from campaigns.allocation import planning
from campaigns.enrolments import services as enrolling
from campaigns.models import CampaignStatus, Channel, Enrolment, EnrolmentStatus
from campaigns.sales import livestreams
from campaigns.sales import services as sales

# The three reading-month categories as CLC main classes.
SOCIAL_SCIENCES = ["B", "C", "D", "F", "K"]
LITERATURE_AND_ART = ["I", "J"]
TEACHING_AIDS = ["G", "H"]
YUAN = 100


def _demo_sales(publisher: User, campaign, rng: random.Random) -> None:
    """Report a week of store sales of the demo publisher's titles, and its record livestream.

    They are reported as on the sale's last day, when the campaign still took reports.
    """
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(
            Enrolment.campaign_id == campaign.id,
            Enrolment.publisher_id == publisher.organisation_id,
            Enrolment.status == EnrolmentStatus.APPROVED.value,
        )
        .order_by(Enrolment.id)
        .limit(40)
    ).all()
    for enrolment in enrolments:
        for day in range(7):
            units = rng.randrange(20, 400)
            sales.report_sale(
                publisher,
                campaign,
                sales.SaleInput(
                    isbn=enrolment.title.isbn,
                    sale_date=campaign.starts + timedelta(days=day),
                    channel=Channel.STORE.value,
                    units=units,
                    revenue_fen=units * enrolment.campaign_price_fen,
                ),
                today=campaign.ends,
            )
    # The articles' session: over 2 million yuan of books in under four hours.
    livestreams.record_livestream(
        publisher,
        campaign,
        livestreams.LivestreamInput(
            host="知识出版社 · 拼多多直播间",
            started_at=datetime(2021, 4, 23, 11, 0, tzinfo=UTC),  # 19:00 Beijing time
            duration_minutes=228,
            units=61_500,
            gmv_fen=2_046_000 * YUAN,
            notes="世界读书日专场",
        ),
        today=campaign.ends,
    )


def load_demo_campaigns(users: dict[str, User]) -> None:
    """Create Reading Month 2021 (finished, with money and sales) and an open campaign."""
    staff = users["staff@example.org"]
    rng = random.Random(2021)  # noqa: S311 - repeatable demo data, not a secret
    reading_month = services.create_campaign(
        staff,
        services.CampaignInput(
            name="2021年读书月",
            name_en="Reading Month 2021",
            enrolment_opens=date(2021, 3, 20),
            enrolment_closes=date(2021, 4, 15),
            starts=date(2021, 4, 23),
            ends=date(2021, 5, 23),
            budget_fen=50_000_000 * YUAN,
            per_title_cap_fen=150_000 * YUAN,
            per_publisher_cap_fen=15_000_000 * YUAN,
            categories=SOCIAL_SCIENCES + LITERATURE_AND_ART + TEACHING_AIDS,
            platform_share_percent=80,
        ),
    )
    # Enrolment happened in its window; the demo writes it as if it were then.
    services.change_status(staff, reading_month, CampaignStatus.ENROLMENT_OPEN.value)
    reading_month.enrolment_closes = local_today()
    titles = db.session.scalars(select(Title).order_by(Title.id)).all()
    items = []
    for title in titles[:1100]:
        price = title.list_price_fen or 3000
        campaign_price = price * rng.choice([70, 75, 80, 85]) // 100
        values = enrolling.EnrolmentInput(
            isbn=title.isbn,
            campaign_price_fen=campaign_price,
            subsidy_per_unit_fen=max(campaign_price * rng.choice([10, 15, 20]) // 100, 100),
            expected_units=rng.randrange(2_000, 30_000, 500),
            stock=rng.randrange(3_000, 40_000, 500),
        )
        items.append((title, values, None))
    enrolling.save_enrolments(None, reading_month, items)
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.campaign_id == reading_month.id).order_by(Enrolment.id)
    ).all()
    rejected = enrolments[::40]
    pending = enrolments[1::55]
    approved = [e for e in enrolments if e not in rejected and e not in pending]
    enrolling.decide_enrolments(staff, rejected, EnrolmentStatus.REJECTED.value, "stock")
    enrolling.decide_enrolments(staff, approved, EnrolmentStatus.APPROVED.value)
    services.change_status(staff, reading_month, CampaignStatus.ENROLMENT_CLOSED.value)
    reading_month.enrolment_closes = date(2021, 4, 15)
    reading_month.category_weights = {
        **reading_month.category_weights,
        "G": 1.2,
        "H": 1.2,
        "I": 1.0,
        "J": 1.0,
    }
    proposal = planning.build_proposal(reading_month)
    amounts = {
        int(row.enrolment_id): int(row.proposed_fen) * 9 // 10
        for row in proposal.itertuples()
        if row.proposed_fen > 0
    }
    planning.apply_proposal(staff, reading_month, amounts, "demo-2021")
    services.change_status(staff, reading_month, CampaignStatus.RUNNING.value)
    db.session.flush()
    _demo_sales(users["publisher@example.org"], reading_month, rng)
    services.finish_ended_campaigns()  # its end has passed: as the scheduled job would

    today = local_today()
    winter = services.create_campaign(
        staff,
        services.CampaignInput(
            name="2026年冬季读书月",
            name_en="Winter Reading Month 2026",
            enrolment_opens=today - timedelta(days=3),
            enrolment_closes=today + timedelta(days=27),
            starts=today + timedelta(days=28),
            ends=today + timedelta(days=58),
            budget_fen=20_000_000 * YUAN,
            per_title_cap_fen=100_000 * YUAN,
            per_publisher_cap_fen=5_000_000 * YUAN,
            categories=LITERATURE_AND_ART + TEACHING_AIDS,
            price_floor_percent=50,
        ),
    )
    services.change_status(staff, winter, CampaignStatus.ENROLMENT_OPEN.value)
    db.session.flush()
