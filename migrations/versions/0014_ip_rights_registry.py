"""The IP rights registry: rights, the works they cover, their proof, agencies' principals.

Organisations may also be rights holders (a new kind).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:38:08.578670

"""
from alembic import op
import sqlalchemy as sa

import alliance.db
from alliance.migrating import replace_checks


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

KINDS = "'publisher', 'bookstore', 'charity', 'platform', 'rights_agency', 'merchant'"
KINDS_BEFORE = f"kind IN ({KINDS})"
KINDS_AFTER = f"kind IN ({KINDS}, 'rights_holder')"


def upgrade():
    op.create_table('ip_principal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('power_of_attorney_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('created_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_ip_principal_window')),
    sa.ForeignKeyConstraint(['agent_id'], ['organisation.id'], name=op.f('fk_ip_principal_agent_id_organisation'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['power_of_attorney_id'], ['stored_file.id'], name=op.f('fk_ip_principal_power_of_attorney_id_stored_file'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_principal'))
    )
    with op.batch_alter_table('ip_principal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_principal_agent_id'), ['agent_id'], unique=False)

    op.create_table('ip_right',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=True),
    sa.Column('right_type', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('registration_number', sa.String(length=64), nullable=True),
    sa.Column('classes', sa.String(length=200), nullable=True),
    sa.Column('territory', sa.String(length=100), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', alliance.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason_code', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("right_type IN ('copyright', 'exclusive_licence', 'trademark', 'patent')", name=op.f('ck_ip_right_right_type')),
    sa.CheckConstraint("status IN ('pending', 'verified', 'rejected', 'expired', 'revoked')", name=op.f('ck_ip_right_status')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_ip_right_window')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_ip_right_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_ip_right_organisation_id_organisation'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['principal_id'], ['ip_principal.id'], name=op.f('fk_ip_right_principal_id_ip_principal'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_right'))
    )
    with op.batch_alter_table('ip_right', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_right_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_right_principal_id'), ['principal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_right_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('ip_right_document',
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_ip_right_document_file_id_stored_file'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['right_id'], ['ip_right.id'], name=op.f('fk_ip_right_document_right_id_ip_right'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('right_id', 'file_id', name=op.f('pk_ip_right_document'))
    )
    op.create_table('ip_right_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('title_id', sa.Integer(), nullable=True),
    sa.Column('isbn', sa.String(length=13), nullable=True),
    sa.Column('work_title', sa.String(length=300), nullable=True),
    sa.CheckConstraint('isbn IS NOT NULL OR work_title IS NOT NULL', name=op.f('ck_ip_right_work_named')),
    sa.ForeignKeyConstraint(['right_id'], ['ip_right.id'], name=op.f('fk_ip_right_work_right_id_ip_right'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['title_id'], ['title.id'], name=op.f('fk_ip_right_work_title_id_title'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_right_work'))
    )
    with op.batch_alter_table('ip_right_work', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_right_work_isbn'), ['isbn'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_right_work_right_id'), ['right_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_right_work_title_id'), ['title_id'], unique=False)

    replace_checks([("organisation", "ck_organisation_kind", KINDS_BEFORE, KINDS_AFTER)])


def downgrade():
    replace_checks([("organisation", "ck_organisation_kind", KINDS_AFTER, KINDS_BEFORE)])
    with op.batch_alter_table('ip_right_work', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_right_work_title_id'))
        batch_op.drop_index(batch_op.f('ix_ip_right_work_right_id'))
        batch_op.drop_index(batch_op.f('ix_ip_right_work_isbn'))

    op.drop_table('ip_right_work')
    op.drop_table('ip_right_document')
    with op.batch_alter_table('ip_right', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_right_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_ip_right_principal_id'))
        batch_op.drop_index(batch_op.f('ix_ip_right_organisation_id'))

    op.drop_table('ip_right')
    with op.batch_alter_table('ip_principal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_principal_agent_id'))

    op.drop_table('ip_principal')
