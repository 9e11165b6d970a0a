"""Dashboard: the subsidy spent per campaign and day, kept by a trigger; sales index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ADD_ONE = """
    INSERT INTO ledger_spend_day (campaign_id, day, amount_fen, entries)
    VALUES (NEW.campaign_id, NEW.day, NEW.amount_fen, 1)
    ON CONFLICT (campaign_id, day) DO UPDATE
    SET amount_fen = ledger_spend_day.amount_fen + excluded.amount_fen,
        entries = ledger_spend_day.entries + 1;
"""
# PostgreSQL adds up each statement's new spends first (one COPY of a million entries makes
# one upsert per day, not a million updates of the same row).
ADD_STATEMENT = """
    INSERT INTO ledger_spend_day (campaign_id, day, amount_fen, entries)
    SELECT campaign_id, day, SUM(amount_fen), COUNT(*) FROM new_entries
    WHERE kind = 'spend' GROUP BY campaign_id, day ORDER BY campaign_id, day
    ON CONFLICT (campaign_id, day) DO UPDATE
    SET amount_fen = ledger_spend_day.amount_fen + excluded.amount_fen,
        entries = ledger_spend_day.entries + excluded.entries;
"""


def upgrade():
    op.create_table('ledger_spend_day',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_ledger_spend_day_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'day', name=op.f('pk_ledger_spend_day'))
    )
    with op.batch_alter_table('sale', schema=None) as batch_op:
        batch_op.create_index('ix_sale_campaign_enrolment_units', ['campaign_id', 'enrolment_id', 'units', 'revenue_fen'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION ledger_spend_day_add() RETURNS trigger AS $$
            BEGIN
                {ADD_STATEMENT}
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute(
            "CREATE TRIGGER ledger_entry_spend_day AFTER INSERT ON ledger_entry "
            "REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT "
            "EXECUTE FUNCTION ledger_spend_day_add()"
        )
    else:
        op.execute(
            "CREATE TRIGGER ledger_entry_spend_day AFTER INSERT ON ledger_entry "
            f"WHEN NEW.kind = 'spend' BEGIN {ADD_ONE} END"
        )
    # The spends already in the ledger.
    op.execute(
        "INSERT INTO ledger_spend_day (campaign_id, day, amount_fen, entries) "
        "SELECT campaign_id, day, SUM(amount_fen), COUNT(*) FROM ledger_entry "
        "WHERE kind = 'spend' GROUP BY campaign_id, day"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_spend_day ON ledger_entry")
        op.execute("DROP FUNCTION IF EXISTS ledger_spend_day_add()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_spend_day")
    with op.batch_alter_table('sale', schema=None) as batch_op:
        batch_op.drop_index('ix_sale_campaign_enrolment_units')
    op.drop_table('ledger_spend_day')
