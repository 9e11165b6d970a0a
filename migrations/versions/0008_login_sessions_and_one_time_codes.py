"""Accounts: a row per login session (logout ends it on the server) and one-time codes.

The user's single session token goes: each device's log-in is a `login_session` row whose id
and secret the cookie carries. `one_time_code` holds the codes sent to prove an address
(registration now continues by a code, whether or not an account exists).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 19:30:00

"""
from alembic import op
import sqlalchemy as sa

import alliance.db


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)

    op.create_table('one_time_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('login', sa.String(length=320), nullable=False),
    sa.Column('code_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', alliance.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', alliance.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_code'))
    )
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_code_login'), ['login'], unique=False)

    # Every existing cookie named the user's token: they all end with it. No batch copy on
    # SQLite: dropping the old "user" table would cascade into its API keys and roles.
    op.execute('ALTER TABLE "user" DROP COLUMN session_token')


def downgrade():
    op.add_column('user', sa.Column('session_token', sa.String(length=64), nullable=False, server_default=''))
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_code_login'))
    op.drop_table('one_time_code')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
    op.drop_table('login_session')
