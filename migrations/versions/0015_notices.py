"""Notice and takedown: notices, the listings they name with their timelines, merchants.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:55:23.931982

"""
from alembic import op
import sqlalchemy as sa

import alliance.db


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('merchant',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_merchant_organisation_id_organisation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('merchant_id', name=op.f('pk_merchant'))
    )
    with op.batch_alter_table('merchant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchant_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('regime', sa.String(length=16), nullable=False),
    sa.Column('good_faith', sa.Boolean(), nullable=False),
    sa.Column('accurate', sa.Boolean(), nullable=False),
    sa.Column('regime_statement', sa.Boolean(), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("regime IN ('cn_ecommerce', 'dmca', 'platform')", name=op.f('ck_notice_regime')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user.id'], name=op.f('fk_notice_filed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_notice_organisation_id_organisation'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['right_id'], ['ip_right.id'], name=op.f('fk_notice_right_id_ip_right'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_right_id'), ['right_id'], unique=False)

    op.create_table('notice_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.String(length=64), nullable=False),
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('isbn', sa.String(length=13), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('reason_code', sa.String(length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('submitted_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', alliance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_code', sa.String(length=32), nullable=True),
    sa.Column('decision_text', sa.Text(), nullable=True),
    sa.CheckConstraint("reason_code IN ('pirated_copy', 'counterfeit_label', 'unauthorised_sale', 'content_copied', 'trademark_misuse', 'cover_copied')", name=op.f('ck_notice_item_reason_code')),
    sa.CheckConstraint("status IN ('submitted', 'under_review', 'clarification_requested', 'removed', 'rejected', 'counter_noticed', 'reinstated', 'upheld')", name=op.f('ck_notice_item_status')),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_item_notice_id_notice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_notice_item_organisation_id_organisation'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_item'))
    )
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_item_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_item_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index('ix_notice_item_organisation_id_listing_id', ['organisation_id', 'listing_id'], unique=False)
        batch_op.create_index('ix_notice_item_status_submitted_at', ['status', 'submitted_at'], unique=False)

    op.create_table('notice_item_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('by', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['notice_item.id'], name=op.f('fk_notice_item_event_item_id_notice_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_item_event'))
    )
    with op.batch_alter_table('notice_item_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_item_event_item_id'), ['item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notice_item_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_item_event_item_id'))

    op.drop_table('notice_item_event')
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_item_status_submitted_at')
        batch_op.drop_index('ix_notice_item_organisation_id_listing_id')
        batch_op.drop_index(batch_op.f('ix_notice_item_notice_id'))
        batch_op.drop_index(batch_op.f('ix_notice_item_merchant_id'))

    op.drop_table('notice_item')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_right_id'))
        batch_op.drop_index(batch_op.f('ix_notice_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_notice_created_at'))

    op.drop_table('notice')
    with op.batch_alter_table('merchant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchant_organisation_id'))

    op.drop_table('merchant')
