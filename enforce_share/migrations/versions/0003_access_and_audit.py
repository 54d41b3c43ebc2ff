"""users, API tokens, the audit trail, and the records' audience mask

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:10:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

AGENCIES = ("USA", "GBR", "CAN", "AUS", "NZL")  # as on this date: migrations stay fixed
SHAREABLE = ("clear", "green", "amber", "amber+strict")


def upgrade() -> None:
    op.create_table('users',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_users'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=200), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user'], ['users.name'], name=op.f('fk_api_tokens_user_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens'))
    )
    op.create_index(op.f('ix_api_tokens_user'), 'api_tokens', ['user'], unique=False)
    op.create_table('audit_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('action', sa.String(length=128), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries'))
    )
    op.create_index(op.f('ix_audit_entries_at'), 'audit_entries', ['at'], unique=False)
    op.create_index(op.f('ix_audit_entries_actor'), 'audit_entries', ['actor'], unique=False)
    head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "head": "0" * 64}])
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.Integer(), nullable=False,
                                      server_default="0"))
    records = sa.table('records', sa.column('position', sa.BigInteger), sa.column('tlp'),
                       sa.column('releasable_to'), sa.column('audience', sa.Integer))
    connection = op.get_bind()
    for position, tlp, releasable_to in connection.execute(
            sa.select(records.c.position, records.c.tlp, records.c.releasable_to)).all():
        agencies = json.loads(releasable_to) if isinstance(releasable_to, str) else releasable_to
        mask = sum(1 << AGENCIES.index(a) for a in set(agencies or ()) if a in AGENCIES
                   ) if tlp in SHAREABLE else 0
        connection.execute(records.update().where(records.c.position == position)
                           .values(audience=mask))


def downgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_column('audience')
    op.drop_table('audit_head')
    op.drop_index(op.f('ix_audit_entries_actor'), table_name='audit_entries')
    op.drop_index(op.f('ix_audit_entries_at'), table_name='audit_entries')
    op.drop_table('audit_entries')
    op.drop_index(op.f('ix_api_tokens_user'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('users')
