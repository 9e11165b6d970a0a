"""Spend over time by the day of the sale each spend pays for: the per-day table rebuilt.

From this revision a spend drawn by a sale carries the sale's day in `ledger_entry.day` (the
trigger of 0005 then adds it to that day). The append-only ledger is not rewritten: the
spends written before carry the day they were recorded, so the per-day table is summed again
with each such spend on its sale's day (`dashboard.ledger_spend_by_day`).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 18:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

SALE_DAY = "COALESCE(sale.sale_date, ledger_entry.day)"


def _rebuild(day: str) -> None:
    op.execute("DELETE FROM ledger_spend_day")
    op.execute(
        "INSERT INTO ledger_spend_day (campaign_id, day, amount_fen, entries) "
        f"SELECT ledger_entry.campaign_id, {day}, SUM(amount_fen), COUNT(*) FROM ledger_entry "
        "LEFT JOIN sale ON sale.id = ledger_entry.sale_id "
        f"WHERE kind = 'spend' GROUP BY ledger_entry.campaign_id, {day}"
    )


def upgrade():
    _rebuild(SALE_DAY)


def downgrade():
    # The entries written since carry their sale's day: they stay on it.
    _rebuild("ledger_entry.day")
