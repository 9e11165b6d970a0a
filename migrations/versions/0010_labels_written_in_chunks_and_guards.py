"""Labels: batches written in chunks, daily quotas, readings per network and day; append-only
tables that refuse REPLACE on SQLite.

- label_batch: status 'writing' while its labels are written in short transactions, with
  `written` (labels stored so far) and `progress_at`; a CHECK that only a batch being written
  (or revoked meanwhile) lacks labels.
- label: `readings` (checks from distinct networks and days), `reading_day`,
  `reading_day_bits`: ADD COLUMN with constant defaults, which rewrites no row.
- label_quota_day: the labels each publisher ordered on each day.
- SQLite: REPLACE (INSERT OR REPLACE) deletes the row it conflicts with without firing
  DELETE triggers, so the append-only tables refuse an INSERT over an existing id, and the
  ledger keeps every idempotency key it ever took in ledger_entry_key, which refuses a second
  use: a REPLACE over an existing key ends in that refusal, undoing its delete. (ON CONFLICT
  DO NOTHING inserts nothing and so takes no key.) PostgreSQL has no REPLACE; its upsert runs
  the UPDATE triggers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import alliance.db


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_STATUS = "CONSTRAINT ck_label_batch_status CHECK (status IN ('open', 'sealed', 'revoked'))"
NEW_STATUS = (
    "CONSTRAINT ck_label_batch_status CHECK (status IN ('writing', 'open', 'sealed', 'revoked'))"
)
WRITTEN = "written BETWEEN 0 AND quantity"
COMPLETE = "status IN ('writing', 'revoked') OR written = quantity"
# The append-only tables (their UPDATE and DELETE triggers: migrations 0001 and 0004).
APPEND_ONLY = {"audit_event": "audit_event is append-only",
               "ledger_entry": "ledger_entry is append-only"}  # fmt: skip


def upgrade():
    # Plain ADD COLUMN on both databases (a batch copy of these tables is neither wanted nor
    # safe, see _sqlite_batch_checks).
    op.add_column('label', sa.Column('readings', sa.Integer(), server_default='0', nullable=False))
    op.add_column('label', sa.Column('reading_day', sa.Integer(), nullable=True))
    op.add_column('label', sa.Column('reading_day_bits', sa.Integer(), server_default='0', nullable=False))
    op.add_column('label_batch', sa.Column('written', sa.Integer(), server_default='0', nullable=False))
    op.add_column('label_batch', sa.Column('progress_at', alliance.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE label_batch SET written = quantity")  # every earlier batch is complete
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_batch_checks(add=True)
    else:
        op.drop_constraint(op.f('ck_label_batch_status'), 'label_batch', type_='check')
        op.create_check_constraint(
            op.f('ck_label_batch_status'), 'label_batch', "status IN ('writing', 'open', 'sealed', 'revoked')"
        )
        op.create_check_constraint(op.f('ck_label_batch_written'), 'label_batch', WRITTEN)
        op.create_check_constraint(op.f('ck_label_batch_complete'), 'label_batch', COMPLETE)
    op.create_table('label_quota_day',
    sa.Column('publisher_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('ordered', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('ordered >= 0', name=op.f('ck_label_quota_day_ordered')),
    sa.ForeignKeyConstraint(['publisher_id'], ['organisation.id'], name=op.f('fk_label_quota_day_publisher_id_organisation'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('publisher_id', 'day', name=op.f('pk_label_quota_day'))
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_refuse_replace()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_keep_key")
        op.execute("DROP TABLE IF EXISTS ledger_entry_key")
    op.drop_table('label_quota_day')
    op.execute("DELETE FROM label_pending_code WHERE batch_id IN "
               "(SELECT id FROM label_batch WHERE status = 'writing')")  # fmt: skip
    op.execute("UPDATE label_batch SET status = 'revoked' WHERE status = 'writing'")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_batch_checks(add=False)
    else:
        op.drop_constraint(op.f('ck_label_batch_complete'), 'label_batch', type_='check')
        op.drop_constraint(op.f('ck_label_batch_written'), 'label_batch', type_='check')
        op.drop_constraint(op.f('ck_label_batch_status'), 'label_batch', type_='check')
        op.create_check_constraint(
            op.f('ck_label_batch_status'), 'label_batch', "status IN ('open', 'sealed', 'revoked')"
        )
    # ALTER TABLE ... DROP COLUMN: SQLite 3.35 and later, and PostgreSQL.
    for table, column in (("label_batch", "progress_at"), ("label_batch", "written"),
                          ("label", "reading_day_bits"), ("label", "reading_day"),
                          ("label", "readings")):  # fmt: skip
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def _sqlite_batch_checks(add: bool):
    """Change label_batch's CHECKs in its stored SQL, as migration 0007 does; no row is copied.

    A batch copy of label_batch cannot be used: with foreign keys enforced, dropping the old
    table would delete every pending code (ON DELETE CASCADE) or fail on the labels.
    Every stored row satisfies the new CHECKs (written = quantity was set just before).
    """
    connection = op.get_bind()
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'label_batch'"
    ).scalar()
    added = (f", CONSTRAINT ck_label_batch_written CHECK ({WRITTEN}), "
             f"CONSTRAINT ck_label_batch_complete CHECK ({COMPLETE})")  # fmt: skip
    old, new = (OLD_STATUS, NEW_STATUS) if add else (NEW_STATUS + added, OLD_STATUS)
    if sql.count(old) != 1:
        raise RuntimeError(f"label_batch: {old!r} is not in its SQL; nothing changed")
    sql = sql.replace(old, new + added if add else new)
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        connection.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'label_batch'",
            (sql,),
        )
        # Every connection reads the schema again when its version changes.
        connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1:d}")
    finally:
        connection.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = connection.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"SQLite schema check failed: {problems}")


def _sqlite_refuse_replace():
    """Make REPLACE over an existing row of an append-only table fail (see the docstring)."""
    for table, message in APPEND_ONLY.items():
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    message = APPEND_ONLY["ledger_entry"]
    op.execute(
        "CREATE TABLE ledger_entry_key (campaign_id INTEGER NOT NULL, "
        "idempotency_key VARCHAR(100) NOT NULL, PRIMARY KEY (campaign_id, idempotency_key))"
    )
    op.execute(
        "INSERT INTO ledger_entry_key SELECT campaign_id, idempotency_key FROM ledger_entry "
        "WHERE idempotency_key IS NOT NULL"
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER ledger_entry_key_no_{verb.lower()} BEFORE {verb} ON ledger_entry_key "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    op.execute(
        "CREATE TRIGGER ledger_entry_key_no_replace BEFORE INSERT ON ledger_entry_key "
        "WHEN EXISTS (SELECT 1 FROM ledger_entry_key WHERE campaign_id = NEW.campaign_id "
        "AND idempotency_key = NEW.idempotency_key) "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )
    op.execute(
        "CREATE TRIGGER ledger_entry_keep_key AFTER INSERT ON ledger_entry "
        "WHEN NEW.idempotency_key IS NOT NULL "
        "BEGIN INSERT INTO ledger_entry_key VALUES (NEW.campaign_id, NEW.idempotency_key); END"
    )
