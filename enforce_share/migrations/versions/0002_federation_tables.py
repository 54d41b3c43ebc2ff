"""federation tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:04:46.421293
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('equivocations',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('held', sa.Text(), nullable=False),
    sa.Column('conflicting', sa.Text(), nullable=False),
    sa.Column('peer', sa.String(length=3), nullable=False),
    sa.Column('detected', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_equivocations'))
    )
    op.create_table('placeholders',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_placeholders')),
    sa.UniqueConstraint('origin', 'seq', name='uq_placeholders_origin_seq')
    )
    op.create_table('quarantine',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('peer', sa.String(length=3), nullable=False),
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('received', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_quarantine'))
    )
    op.create_table('seen_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_seen_nonces'))
    )
    with op.batch_alter_table('seen_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_nonces_expires'), ['expires'], unique=False)

    op.create_table('sync_state',
    sa.Column('peer', sa.String(length=3), nullable=False),
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('last_attempt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('peer_seq', sa.BigInteger(), nullable=False),
    sa.Column('blocked_seq', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('peer', 'origin', name=op.f('pk_sync_state'))
    )


def downgrade() -> None:
    op.drop_table('sync_state')
    with op.batch_alter_table('seen_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_nonces_expires'))

    op.drop_table('seen_nonces')
    op.drop_table('quarantine')
    op.drop_table('placeholders')
    op.drop_table('equivocations')
