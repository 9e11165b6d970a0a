"""Campaign dashboard figures: every total is a GROUP BY in SQL, never a sum in Python.

Each function issues one statement (two for the publisher ranking), whatever the number of
enrolments or ledger entries, so the dashboard stays fast with a million entries. The running
totals kept on the enrolment and campaign_publisher rows by `campaigns.ledger` are the
ledger's sums; the spend per day is the ledger's spends summed by the day of the sale each
pays for, kept by a trigger in `ledger_spend_day` (campaigns/reports/models.py).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, select

from alliance.catalogue.clc import class_label
from alliance.catalogue.models import Title
from alliance.extensions import db
from alliance.members.models import Organisation
from campaigns.models import (
    Campaign,
    CampaignPublisher,
    Enrolment,
    EnrolmentStatus,
    EntryKind,
    LedgerEntry,
    Sale,
)
from campaigns.reports.models import LedgerSpendDay

TOP_PUBLISHERS = 20
TOP_TITLES = 10


@dataclass(frozen=True)
class Overview:
    """The campaign's money and its enrolments counted by status."""

    budget_fen: int
    allocated_fen: int
    spent_fen: int
    remaining_fen: int
    by_status: dict[str, int]

    @property
    def enrolments(self) -> int:
        """Return the number of enrolments in every status."""
        return sum(self.by_status.values())


@dataclass(frozen=True)
class Share:
    """Money and enrolments of one group (a category or a publisher)."""

    key: str | int | None
    label: str
    allocated_fen: int
    spent_fen: int
    enrolments: int
    approved: int


@dataclass(frozen=True)
class DaySpend:
    """Subsidy spent on one day (Asia/Shanghai)."""

    day: date
    spent_fen: int


@dataclass(frozen=True)
class TopTitle:
    """A title ranked by subsidy spent or by copies sold."""

    enrolment_id: int
    isbn: str
    title: str
    publisher: str
    spent_fen: int
    units: int
    revenue_fen: int


def overview(campaign_id: int) -> Overview:
    """Return the budget, allocated, spent and remaining money and the enrolments by status."""
    row = db.session.execute(
        select(Campaign.budget_fen, Campaign.allocated_fen, Campaign.spent_fen).where(
            Campaign.id == campaign_id
        )
    ).one()
    counts = dict(
        db.session.execute(
            select(Enrolment.status, func.count())
            .where(Enrolment.campaign_id == campaign_id)
            .group_by(Enrolment.status)
        ).all()
    )
    by_status = {status.value: int(counts.get(status.value, 0)) for status in EnrolmentStatus}
    return Overview(
        budget_fen=row.budget_fen,
        allocated_fen=row.allocated_fen,
        spent_fen=row.spent_fen,
        remaining_fen=row.budget_fen - row.allocated_fen,
        by_status=by_status,
    )


def _money_columns():
    approved = case((Enrolment.status == EnrolmentStatus.APPROVED.value, 1), else_=0)
    return (
        func.coalesce(func.sum(Enrolment.allocated_fen), 0).label("allocated_fen"),
        func.coalesce(func.sum(Enrolment.spent_fen), 0).label("spent_fen"),
        func.count().label("enrolments"),
        func.coalesce(func.sum(approved), 0).label("approved"),
    )


def by_category(campaign_id: int, publisher_id: int | None = None) -> list[Share]:
    """Return allocated, spent and enrolments per category, most allocated first."""
    query = (
        select(Enrolment.category, *_money_columns())
        .where(Enrolment.campaign_id == campaign_id)
        .group_by(Enrolment.category)
        .order_by(func.sum(Enrolment.allocated_fen).desc(), Enrolment.category)
    )
    if publisher_id is not None:
        query = query.where(Enrolment.publisher_id == publisher_id)
    return [
        Share(
            row.category,
            class_label(row.category),
            int(row.allocated_fen),
            int(row.spent_fen),
            int(row.enrolments),
            int(row.approved),
        )
        for row in db.session.execute(query)
    ]


def by_publisher(
    campaign_id: int, language: str, others_label: str, top: int = TOP_PUBLISHERS
) -> list[Share]:
    """Return the `top` publishers by allocation and one 'others' row for the rest."""
    grouped = (
        select(Enrolment.publisher_id, *_money_columns())
        .where(Enrolment.campaign_id == campaign_id)
        .group_by(Enrolment.publisher_id)
        .subquery()
    )
    rows = db.session.execute(
        select(grouped, Organisation.name, Organisation.name_en)
        .join(Organisation, Organisation.id == grouped.c.publisher_id)
        .order_by(grouped.c.allocated_fen.desc(), grouped.c.enrolments.desc(), Organisation.id)
        .limit(top + 1)
    ).all()
    shares = [
        Share(
            row.publisher_id,
            row.name_en if language == "en" and row.name_en else row.name,
            int(row.allocated_fen),
            int(row.spent_fen),
            int(row.enrolments),
            int(row.approved),
        )
        for row in rows[:top]
    ]
    if len(rows) <= top:
        return shares
    # The rest: the campaign's totals minus the top rows, both computed in SQL.
    total = db.session.execute(
        select(*_money_columns()).where(Enrolment.campaign_id == campaign_id)
    ).one()
    shares.append(
        Share(
            None,
            others_label,
            int(total.allocated_fen) - sum(s.allocated_fen for s in shares),
            int(total.spent_fen) - sum(s.spent_fen for s in shares),
            int(total.enrolments) - sum(s.enrolments for s in shares),
            int(total.approved) - sum(s.approved for s in shares),
        )
    )
    return shares


def chart_fingerprint(campaign_id: int, chart: str) -> tuple:
    """Return values that change whenever the figures of a chart may have changed (cheap).

    The ledger is append-only, so its newest id moves with every allocation, release and
    spend; the copies-sold chart also follows the campaign's sales.
    """
    money = select(Campaign.budget_fen, Campaign.allocated_fen, Campaign.spent_fen).where(
        Campaign.id == campaign_id
    )
    newest = select(func.max(LedgerEntry.id)).scalar_subquery()
    row = tuple(db.session.execute(money.add_columns(newest)).one())
    if chart == "units":
        sales = db.session.execute(
            select(func.count(), func.sum(Sale.units), func.sum(Sale.revenue_fen)).where(
                Sale.campaign_id == campaign_id
            )
        ).one()
        row += tuple(sales)
    return row


def select_spend_by_day(campaign_id: int) -> Select:
    """Return the query of the net subsidy spent per day of sale, oldest first.

    It reads `ledger_spend_day`, which a trigger keeps equal to the ledger's spends summed
    by day (see `ledger_spend_by_day`), so it costs one row per day, not one per entry.
    """
    return (
        select(LedgerSpendDay.day, LedgerSpendDay.amount_fen.label("spent_fen"))
        .where(LedgerSpendDay.campaign_id == campaign_id)
        .order_by(LedgerSpendDay.day)
    )


def ledger_spend_by_day(campaign_id: int, publisher_id: int | None = None) -> Select:
    """Return the same figures summed from the ledger itself (for checks and one publisher).

    A spend counts on its sale's day. Spends drawn by a sale carry that day since migration
    0017; older entries carry the day they were written, so the sale's own day is read.
    """
    day = func.coalesce(Sale.sale_date, LedgerEntry.day).label("day")
    query = (
        select(day, func.sum(LedgerEntry.amount_fen).label("spent_fen"))
        .outerjoin(Sale, Sale.id == LedgerEntry.sale_id)
        .where(
            LedgerEntry.campaign_id == campaign_id,
            LedgerEntry.kind == EntryKind.SPEND.value,
        )
        .group_by(day)
        .order_by(day)
    )
    if publisher_id is not None:
        query = query.where(LedgerEntry.publisher_id == publisher_id)
    return query


def spend_by_day(campaign_id: int) -> list[DaySpend]:
    """Return the net subsidy spent per day, oldest day first."""
    query = select_spend_by_day(campaign_id)
    return [DaySpend(row.day, int(row.spent_fen)) for row in db.session.execute(query)]


def select_top_titles(campaign_id: int, by: str = "spent", limit: int = TOP_TITLES) -> Select:
    """Return the query of the titles with the most subsidy spent or copies sold.

    The ranking is computed first over ids and sums alone; only its few winners are then
    joined to their titles, publishers and sales.
    """
    if by == "units":
        units = func.sum(Sale.units)
        top = (
            select(
                Sale.enrolment_id.label("id"),
                units.label("units"),
                func.sum(Sale.revenue_fen).label("revenue_fen"),
            )
            .where(Sale.campaign_id == campaign_id)
            .group_by(Sale.enrolment_id)
            .having(units > 0)
            .order_by(units.desc(), Sale.enrolment_id)
            .limit(limit)
            .subquery()
        )
        return (
            select(
                Enrolment.id,
                Enrolment.spent_fen,
                Title.isbn,
                Title.title,
                Organisation.name,
                Organisation.name_en,
                top.c.units,
                top.c.revenue_fen,
            )
            .join(top, top.c.id == Enrolment.id)
            .join(Title, Title.id == Enrolment.title_id)
            .join(Organisation, Organisation.id == Enrolment.publisher_id)
            .order_by(top.c.units.desc(), Enrolment.id)
        )
    top = (
        select(Enrolment.id, Enrolment.spent_fen, Enrolment.title_id, Enrolment.publisher_id)
        .where(Enrolment.campaign_id == campaign_id, Enrolment.spent_fen > 0)
        .order_by(Enrolment.spent_fen.desc(), Enrolment.id)
        .limit(limit)
        .subquery()
    )
    sold = select(func.coalesce(func.sum(Sale.units), 0)).where(Sale.enrolment_id == top.c.id)
    revenue = select(func.coalesce(func.sum(Sale.revenue_fen), 0)).where(
        Sale.enrolment_id == top.c.id
    )
    return (
        select(
            top.c.id,
            top.c.spent_fen,
            Title.isbn,
            Title.title,
            Organisation.name,
            Organisation.name_en,
            sold.scalar_subquery().label("units"),
            revenue.scalar_subquery().label("revenue_fen"),
        )
        .join(Title, Title.id == top.c.title_id)
        .join(Organisation, Organisation.id == top.c.publisher_id)
        .order_by(top.c.spent_fen.desc(), top.c.id)
    )


def top_titles(
    campaign_id: int, language: str, by: str = "spent", limit: int = TOP_TITLES
) -> list[TopTitle]:
    """Return the titles with the most subsidy spent (`by="spent"`) or copies sold ("units")."""
    return [
        TopTitle(
            row.id,
            row.isbn,
            row.title,
            row.name_en if language == "en" and row.name_en else row.name,
            int(row.spent_fen),
            int(row.units),
            int(row.revenue_fen),
        )
        for row in db.session.execute(select_top_titles(campaign_id, by, limit))
    ]


@dataclass(frozen=True)
class PublisherTotals:
    """One publisher's money, enrolments and sales in a campaign."""

    allocated_fen: int
    spent_fen: int
    by_status: dict[str, int]
    units: int
    revenue_fen: int
    sale_subsidy_fen: int

    @property
    def unspent_fen(self) -> int:
        """Return the part of the allocation not yet spent."""
        return self.allocated_fen - self.spent_fen


def publisher_totals(campaign_id: int, publisher_id: int) -> PublisherTotals:
    """Return a publisher's allocation, spend, enrolments by status and sales totals."""
    money = db.session.execute(
        select(CampaignPublisher.allocated_fen, CampaignPublisher.spent_fen).where(
            CampaignPublisher.campaign_id == campaign_id,
            CampaignPublisher.publisher_id == publisher_id,
        )
    ).one_or_none()
    counts = dict(
        db.session.execute(
            select(Enrolment.status, func.count())
            .where(Enrolment.campaign_id == campaign_id, Enrolment.publisher_id == publisher_id)
            .group_by(Enrolment.status)
        ).all()
    )
    sales = db.session.execute(
        select(
            func.coalesce(func.sum(Sale.units), 0).label("units"),
            func.coalesce(func.sum(Sale.revenue_fen), 0).label("revenue_fen"),
            func.coalesce(func.sum(Sale.subsidy_fen), 0).label("subsidy_fen"),
        ).where(Sale.campaign_id == campaign_id, Sale.publisher_id == publisher_id)
    ).one()
    return PublisherTotals(
        allocated_fen=int(money.allocated_fen) if money else 0,
        spent_fen=int(money.spent_fen) if money else 0,
        by_status={s.value: int(counts.get(s.value, 0)) for s in EnrolmentStatus},
        units=int(sales.units),
        revenue_fen=int(sales.revenue_fen),
        sale_subsidy_fen=int(sales.subsidy_fen),
    )


def publisher_enrolments(campaign_id: int, publisher_id: int):
    """Return the query of a publisher's enrolments in the campaign (titles joined), by id."""
    return (
        select(Enrolment)
        .where(Enrolment.campaign_id == campaign_id, Enrolment.publisher_id == publisher_id)
        .order_by(Enrolment.id)
    )


def sales_of_enrolments(enrolment_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Return copies sold and revenue per enrolment for these enrolments, in one query."""
    if not enrolment_ids:
        return {}
    rows = db.session.execute(
        select(Sale.enrolment_id, func.sum(Sale.units), func.sum(Sale.revenue_fen))
        .where(Sale.enrolment_id.in_(enrolment_ids))
        .group_by(Sale.enrolment_id)
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


def publisher_sales(campaign_id: int, publisher_id: int):
    """Return the query of a publisher's sales with the title, newest day first."""
    return (
        select(Sale, Title.isbn, Title.title)
        .join(Enrolment, Enrolment.id == Sale.enrolment_id)
        .join(Title, Title.id == Enrolment.title_id)
        .where(Sale.campaign_id == campaign_id, Sale.publisher_id == publisher_id)
        .order_by(Sale.sale_date.desc(), Sale.id.desc())
    )
