"""Notice and takedown: notices, their listings with timelines, counter-notices, paperwork,
marketplace merchants; and the `marketplace` role (the marketplace's systems).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 17:07:40.270307

"""
from alembic import op
import sqlalchemy as sa

import alliance.db
from alliance.migrating import replace_checks


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ROLES = ("'admin', 'campaign_staff', 'ip_officer', 'charity_coordinator', 'publisher', 'writer', "
         "'reviewer', 'rights_holder', 'merchant'")
WAITING = "status IN ('submitted', 'under_review')"  # the officers' queue
ROLES_BEFORE = f"role IN ({ROLES})"
ROLES_AFTER = f"role IN ({ROLES}, 'marketplace')"


def upgrade():
    replace_checks([("user_role", "ck_user_role_role", ROLES_BEFORE, ROLES_AFTER)])
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
        batch_op.create_index('ix_notice_item_waiting', ['submitted_at', 'id'], unique=False, sqlite_where=sa.text(WAITING))

    op.create_table('counter_notice',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('merchant_organisation_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=500), nullable=False),
    sa.Column('accept_jurisdiction', sa.Boolean(), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('holder_deadline', sa.Date(), nullable=False),
    sa.Column('holder_action', sa.String(length=16), nullable=True),
    sa.Column('holder_answered_at', alliance.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("holder_action IS NULL OR holder_action IN ('complaint_filed', 'withdraw')", name=op.f('ck_counter_notice_holder_action')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user.id'], name=op.f('fk_counter_notice_filed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['notice_item.id'], name=op.f('fk_counter_notice_item_id_notice_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_organisation_id'], ['organisation.id'], name=op.f('fk_counter_notice_merchant_organisation_id_organisation'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_counter_notice'))
    )
    with op.batch_alter_table('counter_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_notice_holder_deadline'), ['holder_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_notice_merchant_organisation_id'), ['merchant_organisation_id'], unique=False)

    op.create_table('notice_document',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_notice_document_file_id_stored_file'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['notice_item.id'], name=op.f('fk_notice_document_item_id_notice_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_document_notice_id_notice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_id', name=op.f('pk_notice_document'))
    )
    with op.batch_alter_table('notice_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_document_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_document_notice_id'), ['notice_id'], unique=False)

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
    replace_checks([("user_role", "ck_user_role_role", ROLES_AFTER, ROLES_BEFORE)])
    with op.batch_alter_table('notice_item_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_item_event_item_id'))

    op.drop_table('notice_item_event')
    with op.batch_alter_table('notice_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_document_notice_id'))
        batch_op.drop_index(batch_op.f('ix_notice_document_item_id'))

    op.drop_table('notice_document')
    with op.batch_alter_table('counter_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_notice_merchant_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_counter_notice_holder_deadline'))

    op.drop_table('counter_notice')
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_item_waiting')
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
