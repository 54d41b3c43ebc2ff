"""search documents, their change stamp, the full-text table, saved searches

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:30:00

Documents of records already stored are written by `enforce-share db upgrade` after the
migrations (search.index.backfill): they are derived data, made by the running code.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# search.fulltext reads and writes this table; the statements stay as on this date.
SQLITE_FULLTEXT = ("CREATE VIRTUAL TABLE search_text USING fts5(title, body, content='', "
                   "tokenize='porter unicode61 remove_diacritics 2')",)
POSTGRES_FULLTEXT = (
    "CREATE TABLE search_text (position BIGINT PRIMARY KEY REFERENCES records (position), "
    "tsv TSVECTOR NOT NULL)",
    "CREATE INDEX ix_search_text_tsv ON search_text USING GIN (tsv)",
)


def upgrade() -> None:
    op.create_table('search_docs',
    sa.Column('position', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('stamp', sa.BigInteger(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('created_key', sa.BigInteger(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('names', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['position'], ['records.position'],
                            name=op.f('fk_search_docs_position_records')),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_search_docs'))
    )
    op.create_index(op.f('ix_search_docs_stamp'), 'search_docs', ['stamp'], unique=False)
    head = op.create_table('search_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_head'))
    )
    op.bulk_insert(head, [{"id": 1, "stamp": 0}])
    op.create_table('saved_searches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
              nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('created', sa.String(length=32), nullable=False),
    sa.Column('last_seen_stamp', sa.BigInteger(), nullable=False),
    sa.Column('last_seen_at', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user'], ['users.name'], name=op.f('fk_saved_searches_user_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches')),
    sa.UniqueConstraint('user', 'name', name='uq_saved_searches_user_name')
    )
    statements = SQLITE_FULLTEXT if op.get_bind().dialect.name == "sqlite" else POSTGRES_FULLTEXT
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX ix_search_text_tsv")
    op.execute("DROP TABLE search_text")
    op.drop_table('saved_searches')
    op.drop_table('search_head')
    op.drop_index(op.f('ix_search_docs_stamp'), table_name='search_docs')
    op.drop_table('search_docs')
