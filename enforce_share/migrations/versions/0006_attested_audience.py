"""protocol 2: placeholders keep the stub (record id and marking) the chain commits to;
equivocation evidence keeps the hashes linking the two checkpoints

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:00:00

Protocol 2 chains the stubs' hashes, not the record hashes: a log held under protocol 1
cannot be carried over (its placeholders lack the marking), so a node made by an earlier
version is initialised anew and pulls its partners' logs again (README, *Upgrading*).
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('placeholders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_id', sa.String(length=36), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column('tlp', sa.String(length=16), nullable=False,
                                      server_default="red"))
        batch_op.add_column(sa.Column('releasable_to', sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.add_column(sa.Column('owed', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_index('ix_placeholders_origin_owed', 'placeholders', ['origin', 'owed'])
    op.create_index('ix_placeholders_record_id', 'placeholders', ['record_id'])
    with op.batch_alter_table('equivocations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linking', sa.Text(), nullable=False,
                                      server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table('equivocations', schema=None) as batch_op:
        batch_op.drop_column('linking')
    op.drop_index('ix_placeholders_record_id', table_name='placeholders')
    op.drop_index('ix_placeholders_origin_owed', table_name='placeholders')
    with op.batch_alter_table('placeholders', schema=None) as batch_op:
        batch_op.drop_column('owed')
        batch_op.drop_column('releasable_to')
        batch_op.drop_column('tlp')
        batch_op.drop_column('record_id')
