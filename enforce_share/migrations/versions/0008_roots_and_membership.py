"""protocol 3: keys bound to log positions, agencies' roots, the membership document,
disavowals; audience masks of 63 bits

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 21:00:00

Each key held gets the seqs of its agency's log it signs, from the `key` and
`key_revocation` records held (a key announced at seq s signs from s; one revoked at seq r
signs nothing from r on). A key trusted from a JWK Set with no record announcing it signs
from the log's start; one such key revoked at a time is retired at the first record of its
agency created at or after that time. The node then adopts its root with `enforce-share root
adopt` (README, *Upgrading*).
"""
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def upgrade() -> None:
    op.add_column('records', sa.Column('disavowed_by', sa.String(length=36), nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # SQLite's INTEGER holds 64 bits already
        op.alter_column('records', 'audience', existing_type=sa.Integer(),
                        type_=sa.BigInteger(), existing_nullable=False)
    with op.batch_alter_table('trusted_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_seq', sa.BigInteger(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column('until_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('retired_because', sa.Text(), nullable=True))
    _positions()
    with op.batch_alter_table('trusted_keys', schema=None) as batch_op:
        batch_op.drop_column('valid_from')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('revocation_reason')
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('trusted_keys', 'from_seq', server_default=None)
    op.create_table('root_versions',
    sa.Column('agency', sa.String(length=3), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('expires', sa.String(length=40), nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.Column('signatures', sa.JSON(), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('agency', 'version', name=op.f('pk_root_versions'))
    )
    op.create_table('membership_versions',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.Column('signatures', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_membership_versions'))
    )
    op.create_table('disavowals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('run', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=3), nullable=False),
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('first', sa.BigInteger(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'run', name=op.f('pk_disavowals'))
    )
    op.create_index(op.f('ix_disavowals_origin'), 'disavowals', ['origin'], unique=False)


def _positions() -> None:
    """Each key's seqs, from the key records held (see the module's docstring)."""
    connection = op.get_bind()
    keys = sa.table('trusted_keys', sa.column('kid', sa.String), sa.column('agency', sa.String),
                    sa.column('revoked_at', sa.String), sa.column('revocation_reason', sa.Text),
                    sa.column('from_seq', sa.BigInteger), sa.column('until_seq', sa.BigInteger),
                    sa.column('retired_because', sa.Text))
    records = sa.table('records', sa.column('origin', sa.String), sa.column('seq', sa.BigInteger),
                       sa.column('type', sa.String), sa.column('created', sa.String),
                       sa.column('canonical', sa.Text))
    announced, retired = {}, {}
    for seq, kind, canonical in connection.execute(
            sa.select(records.c.seq, records.c.type, records.c.canonical)
            .where(records.c.type.in_(("key", "key_revocation"))).order_by(records.c.seq)):
        body = json.loads(canonical)["body"]
        if kind == "key":
            announced.setdefault(body["kid"], seq)
        elif body["kid"] not in retired or seq < retired[body["kid"]][0]:
            retired[body["kid"]] = (seq, body["reason"])
    for kid, agency, revoked_at, reason in connection.execute(
            sa.select(keys.c.kid, keys.c.agency, keys.c.revoked_at, keys.c.revocation_reason)):
        until = retired.get(kid)
        if until is None and revoked_at:
            moment = _instant(revoked_at)
            later = [seq for seq, created in connection.execute(
                sa.select(records.c.seq, records.c.created).where(records.c.origin == agency))
                if _instant(created) >= moment]
            until = (min(later), reason) if later else None
        connection.execute(keys.update().where(keys.c.kid == kid).values(
            from_seq=announced.get(kid, 0), until_seq=until[0] if until else None,
            retired_because=until[1] if until else None))


def downgrade() -> None:
    op.drop_index(op.f('ix_disavowals_origin'), table_name='disavowals')
    op.drop_table('disavowals')
    op.drop_table('membership_versions')
    op.drop_table('root_versions')
    with op.batch_alter_table('trusted_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.String(length=40), nullable=False,
                                      server_default="1970-01-01T00:00:00.000000Z"))
        batch_op.add_column(sa.Column('valid_until', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('revocation_reason', sa.Text(), nullable=True))
        batch_op.drop_column('retired_because')
        batch_op.drop_column('until_seq')
        batch_op.drop_column('from_seq')
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('records', 'audience', existing_type=sa.BigInteger(),
                        type_=sa.Integer(), existing_nullable=False)
    op.drop_column('records', 'disavowed_by')  # SQLite 3.35+ drops it in place
