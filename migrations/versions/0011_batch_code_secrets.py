"""Label batches keep an encrypted secret their codes are derived from, not the codes.

Until printing was confirmed, a batch's codes sat in clear in label_pending_code: a copy of
the database taken meanwhile could print valid labels. Now each code is derived from the
batch's secret (HMAC), which is stored encrypted with a key kept out of the database and
deleted when the batch is sealed or revoked. The table of codes in clear goes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 20:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM label_pending_code")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} label codes of batches awaiting print are still in the database: seal "
            "or revoke those batches (book-alliance labels) before this upgrade, which keeps "
            "codes only as the secret they are derived from."
        )
    # No batch copy on SQLite: dropping the old label_batch would take its labels along.
    op.add_column('label_batch', sa.Column('code_secret', sa.LargeBinary(length=200), nullable=True))
    op.drop_table('label_pending_code')


def downgrade():
    op.create_table('label_pending_code',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=21), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['label_batch.id'], name=op.f('fk_label_pending_code_batch_id_label_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'serial', name=op.f('pk_label_pending_code'))
    )
    op.execute('ALTER TABLE label_batch DROP COLUMN code_secret')
