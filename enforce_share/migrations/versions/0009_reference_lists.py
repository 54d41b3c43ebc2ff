"""reference lists: imports with their provenance, and every version of every list entry

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00

The official lists and the CHPL are local reference data, imported by each node itself
(`enforce-share lists import`), never records of the signed logs.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('list_imports',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('published', sa.String(length=32), nullable=True),
    sa.Column('imported', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('via', sa.String(length=200), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_imports'))
    )
    op.create_index(op.f('ix_list_imports_source'), 'list_imports', ['source'], unique=False)
    op.create_table('list_entries',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('added_in', sa.BigInteger(), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('replaces', sa.BigInteger(), nullable=True),
    sa.Column('retired_in', sa.BigInteger(), nullable=True),
    sa.Column('retired_as', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['added_in'], ['list_imports.id'],
                            name=op.f('fk_list_entries_added_in_list_imports')),
    sa.ForeignKeyConstraint(['retired_in'], ['list_imports.id'],
                            name=op.f('fk_list_entries_retired_in_list_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entries'))
    )
    op.create_index(op.f('ix_list_entries_added_in'), 'list_entries', ['added_in'])
    op.create_index(op.f('ix_list_entries_retired_in'), 'list_entries', ['retired_in'])
    op.create_index('ix_list_entries_source_key', 'list_entries', ['source', 'key'])
    op.create_index('ix_list_entries_current', 'list_entries', ['source', 'key'], unique=True,
                    sqlite_where=sa.text('retired_in IS NULL'),
                    postgresql_where=sa.text('retired_in IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_list_entries_current', table_name='list_entries')
    op.drop_index('ix_list_entries_source_key', table_name='list_entries')
    op.drop_index(op.f('ix_list_entries_retired_in'), table_name='list_entries')
    op.drop_index(op.f('ix_list_entries_added_in'), table_name='list_entries')
    op.drop_table('list_entries')
    op.drop_index(op.f('ix_list_imports_source'), table_name='list_imports')
    op.drop_table('list_imports')
