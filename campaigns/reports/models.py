"""Read-side tables of the dashboard: the subsidy spent per campaign and day, and its index.

`ledger_spend_day` is kept by a database trigger on every INSERT of a spend into the
append-only ledger (migration 0005), in the same transaction, so it always equals the
ledger's spends summed per campaign and day of the sale each pays for (a sale's spend
carries the sale's day; migration 0017 summed the older entries again on their sales' days;
see `dashboard.ledger_spend_by_day`) without reading a million entries on each page view.
Spends already lock the campaign row, so the upsert adds no new waiting.
"""

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from alliance.extensions import db
from campaigns.models import Sale


class LedgerSpendDay(db.Model):
    """The net subsidy spent in a campaign on one day of sales (Asia/Shanghai) and its entries."""

    __tablename__ = "ledger_spend_day"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    entries: Mapped[int] = mapped_column(Integer, default=0)


# Copies sold per title are summed from this index alone (no table reads, no sort).
Index(
    "ix_sale_campaign_enrolment_units",
    Sale.campaign_id,
    Sale.enrolment_id,
    Sale.units,
    Sale.revenue_fen,
)
