"""records' stored time (TAXII date_added) and the store clock

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00

Records already held get their `created` time as `stored`: the node kept no arrival time
before. The store clock starts now, so records stored from now on are later than those (bar
any whose origin dated it in the future: the clock is not moved past real time for them).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite adds a NOT NULL column only with a default; it is dropped where the database can.
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored', sa.String(length=40), nullable=False,
                                      server_default=""))
    records = sa.table('records', sa.column('created', sa.String),
                       sa.column('stored', sa.String))
    connection = op.get_bind()
    connection.execute(records.update().values(stored=records.c.created))
    if connection.dialect.name != "sqlite":
        op.alter_column('records', 'stored', server_default=None)
    op.create_index(op.f('ix_records_stored'), 'records', ['stored'], unique=False)
    clock = op.create_table('store_clock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stored', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_clock'))
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as records' times are written
    op.bulk_insert(clock, [{"id": 1, "stored": now}])


def downgrade() -> None:
    op.drop_table('store_clock')
    op.drop_index(op.f('ix_records_stored'), table_name='records')
    # Not in batch: copying the table would break the search tables' references to it
    # (SQLite drops a plain column in place since 3.35).
    op.drop_column('records', 'stored')
