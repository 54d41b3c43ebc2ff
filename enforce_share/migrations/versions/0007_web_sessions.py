"""web sessions held by the node (sign-out, disabling a user and a new password end them)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 19:30:00

Cookies of sessions started before this revision carry no session secret: their users sign
in again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('started', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user'], ['users.name'], name=op.f('fk_web_sessions_user_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions'))
    )
    op.create_index(op.f('ix_web_sessions_user'), 'web_sessions', ['user'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_sessions_user'), table_name='web_sessions')
    op.drop_table('web_sessions')
