"""Label batches remember their first download (sealing an undownloaded one asks twice);
readers' reports of sellers of labels that may have been copied.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import alliance.db


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # No batch copy on SQLite: recreating label_batch would take its labels along.
    op.add_column('label_batch', sa.Column('downloaded_at', alliance.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table('label_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('place', sa.String(length=500), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('created_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['label_id'], ['label.id'], name=op.f('fk_label_report_label_id_label'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_label_report'))
    )
    with op.batch_alter_table('label_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_label_report_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_label_report_label_id'), ['label_id'], unique=False)


def downgrade():
    with op.batch_alter_table('label_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_label_report_label_id'))
        batch_op.drop_index(batch_op.f('ix_label_report_created_at'))
    op.drop_table('label_report')
    op.execute('ALTER TABLE label_batch DROP COLUMN downloaded_at')
