"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 10:28:12.924658
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkpoints',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('issued', sa.String(length=40), nullable=False),
    sa.Column('jws', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_checkpoints')),
    sa.UniqueConstraint('origin', 'seq', name='uq_checkpoints_origin_seq')
    )
    op.create_table('log_heads',
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('origin', name=op.f('pk_log_heads'))
    )
    op.create_table('partners',
    sa.Column('agency', sa.String(length=3), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('added', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('agency', name=op.f('pk_partners'))
    )
    op.create_table('records',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('created', sa.String(length=40), nullable=False),
    sa.Column('supersedes', sa.String(length=36), nullable=True),
    sa.Column('superseded_by', sa.String(length=36), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=36), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('releasable_to', sa.JSON(), nullable=False),
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('canonical', sa.Text(), nullable=False),
    sa.Column('jws', sa.Text(), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_records')),
    sa.UniqueConstraint('id', name=op.f('uq_records_id')),
    sa.UniqueConstraint('origin', 'seq', name='uq_records_origin_seq')
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_origin_position', ['origin', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_records_supersedes'), ['supersedes'], unique=False)
        batch_op.create_index('ix_records_type_position', ['type', 'position'], unique=False)

    op.create_table('trusted_keys',
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('agency', sa.String(length=3), nullable=False),
    sa.Column('jwk', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.String(length=40), nullable=False),
    sa.Column('valid_until', sa.String(length=40), nullable=True),
    sa.Column('revoked_at', sa.String(length=40), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_trusted_keys'))
    )
    with op.batch_alter_table('trusted_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trusted_keys_agency'), ['agency'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('trusted_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trusted_keys_agency'))

    op.drop_table('trusted_keys')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_type_position')
        batch_op.drop_index(batch_op.f('ix_records_supersedes'))
        batch_op.drop_index('ix_records_origin_position')

    op.drop_table('records')
    op.drop_table('partners')
    op.drop_table('log_heads')
    op.drop_table('checkpoints')
