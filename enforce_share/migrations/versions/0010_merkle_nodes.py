"""merkle nodes: each origin's log as an RFC 9162 Merkle tree, its perfect subtrees stored

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 23:00:00

The tree of every log already held is built here from its entries' stubs (records and
placeholders alike), in seq order: every perfect subtree of two leaves or more (a leaf is
read from its entry). From then on every writer extends it (``transparency.tree.extend``)
in the transaction that stores the entries.
"""
import hashlib

import sqlalchemy as sa
from alembic import op

from enforce_share.records.entries import entry_hash, stub

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

#: Rows per insert while filling.
BATCH = 10_000

NODES = sa.table('merkle_nodes', sa.column('origin', sa.String), sa.column('level', sa.Integer),
                 sa.column('index', sa.BigInteger), sa.column('hash', sa.LargeBinary))


def _entries(name: str, id_column: str) -> sa.TableClause:
    return sa.table(name, sa.column('origin', sa.String), sa.column('seq', sa.BigInteger),
                    sa.column(id_column, sa.String), sa.column('record_hash', sa.String),
                    sa.column('tlp', sa.String), sa.column('releasable_to', sa.JSON))


def upgrade() -> None:
    op.create_table('merkle_nodes',
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('index', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('origin', 'level', 'index', name=op.f('pk_merkle_nodes'))
    )
    connection = op.get_bind()
    heads = sa.table('log_heads', sa.column('origin', sa.String))
    for origin in connection.execute(sa.select(heads.c.origin)).scalars().all():
        _fill(connection, origin)


def _fill(connection: sa.Connection, origin: str) -> None:
    """Store every perfect subtree of ``origin``'s log: a stack of the right edge's
    subtrees, two of one level merged as soon as they meet (RFC 9162 2.1.1)."""
    records, holes = _entries('records', 'id'), _entries('placeholders', 'record_id')
    entries = sa.union_all(
        sa.select(records.c.seq, records.c.id, records.c.record_hash, records.c.tlp,
                  records.c.releasable_to).where(records.c.origin == origin),
        sa.select(holes.c.seq, holes.c.record_id, holes.c.record_hash, holes.c.tlp,
                  holes.c.releasable_to).where(holes.c.origin == origin)).subquery()
    stack: list[tuple[int, int, bytes]] = []
    rows: list[dict] = []
    expected = 1
    for seq, record_id, record_hash, tlp, releasable_to in connection.execute(
            sa.select(entries).order_by(entries.c.seq)):
        if seq != expected:  # never: a log is stored in seq order, with no gap
            raise RuntimeError(f'{origin} log has seq {seq} where {expected} was expected')
        expected += 1
        leaf = hashlib.sha256(b'\x00' + bytes.fromhex(entry_hash(
            stub(origin, seq, record_id, record_hash, tlp, releasable_to)))).digest()
        node = (0, seq - 1, leaf)  # a leaf is read from its entry, never stored
        while stack and stack[-1][0] == node[0]:
            left = stack.pop()
            node = (node[0] + 1, node[1] // 2,
                    hashlib.sha256(b'\x01' + left[2] + node[2]).digest())
            rows.append(node)
        stack.append(node)
        if len(rows) >= BATCH:
            _insert(connection, origin, rows)
            rows = []
    _insert(connection, origin, rows)


def _insert(connection: sa.Connection, origin: str, rows: list[tuple[int, int, bytes]]) -> None:
    if rows:
        connection.execute(sa.insert(NODES), [
            {'origin': origin, 'level': level, 'index': index, 'hash': value}
            for level, index, value in rows])


def downgrade() -> None:
    op.drop_table('merkle_nodes')
