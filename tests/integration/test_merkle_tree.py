"""Each log's stored Merkle tree: built as entries are written, pulled or migrated, equal to
the RFC 9162 tree over the stubs, on both databases."""

from __future__ import annotations

import hashlib
import json

import pytest
import rfc8785
from sqlalchemy import delete, select, text

from enforce_share.db import upgrade
from enforce_share.errors import Error
from enforce_share.partners import add_partner
from enforce_share.records.entries import record_stub
from enforce_share.records.ingest import ingest
from enforce_share.records.models import Placeholder, Record
from enforce_share.records.queries import signed
from enforce_share.transparency import merkle, tree
from enforce_share.transparency.models import MerkleNode

SHARED = {"tlp": "green", "releasable_to": ["USA", "GBR"]}
USA_ONLY = {"tlp": "amber", "releasable_to": ["USA"]}


def _leaves(node, origin: str) -> list[bytes]:
    """The leaf hashes of ``origin``'s log as held, from the stubs (rfc8785 package)."""
    with node.reading() as session:
        stubs = {row.seq: record_stub(json.loads(row.canonical), row.record_hash)
                 for row in session.scalars(select(Record).where(Record.origin == origin))}
        stubs |= {hole.seq: hole.stub() for hole in session.scalars(
            select(Placeholder).where(Placeholder.origin == origin))}
    assert sorted(stubs) == list(range(1, len(stubs) + 1))
    return [merkle.leaf_hash(hashlib.sha256(rfc8785.dumps(stubs[seq])).digest())
            for seq in sorted(stubs)]


def _assert_tree_matches(node, origin: str) -> int:
    """Every root, and a proof at every size, from the stored subtrees equal the tree of
    the stubs held; returns the size."""
    leaves = _leaves(node, origin)
    expected = merkle.memory_nodes(leaves)
    with node.reading() as session:
        assert tree.held_size(session, origin) == len(leaves)
        for size in range(1, len(leaves) + 1):
            assert tree.root(session, origin, size) == merkle.root(size, expected)
            proof = tree.inclusion(session, origin, (size + 1) // 2, size)
            assert proof["proof"] == [merkle.encode(value) for value in
                                      merkle.inclusion_proof((size - 1) // 2, size, expected)]
            merkle.verify_inclusion((size - 1) // 2, size, leaves[(size - 1) // 2],
                                    [merkle.decode(v) for v in proof["proof"]],
                                    merkle.decode(proof["root"]))
            consistency = tree.consistency(session, origin, 1 + size // 3, size)
            merkle.verify_consistency(1 + size // 3, size,
                                      [merkle.decode(v) for v in consistency["proof"]],
                                      merkle.root(1 + size // 3, expected),
                                      merkle.root(size, expected))
    return len(leaves)


def test_own_log_tree_grows_with_every_append(node, drafts) -> None:
    for batch in (1, 2, 5, 1, 9):
        node.add_records([drafts.unique_actor() for _ in range(batch)])
    assert _assert_tree_matches(node, "GBR") >= 18


def test_a_pulled_log_with_placeholders_has_the_origins_tree(node, partner, drafts) -> None:
    for marking in (SHARED, USA_ONLY, USA_ONLY, SHARED, USA_ONLY, SHARED, SHARED):
        partner.add_records([drafts("actor", marking)])
    with partner.reading() as session:
        entries = [signed(row) if "GBR" in row.releasable_to else
                   record_stub(json.loads(row.canonical), row.record_hash)
                   for row in session.scalars(select(Record).where(Record.origin == "USA")
                                              .order_by(Record.seq))]
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    for low, high in ((0, 3), (3, 4), (4, len(entries))):  # three pulls
        with node.transaction() as session:
            ingest(session, node.registry(), entries[low:high], "GBR")
    with node.reading() as session:
        assert session.scalar(select(Placeholder.seq).where(Placeholder.origin == "USA")
                              .limit(1)) is not None
    assert _assert_tree_matches(node, "USA") == len(entries)
    with node.reading() as session, partner.reading() as theirs:
        assert tree.root(session, "USA", len(entries)) == tree.root(theirs, "USA", len(entries))


def test_the_migration_builds_the_tree_of_logs_already_held(node, drafts) -> None:
    node.add_records([drafts.unique_actor() for _ in range(13)])
    with node.transaction() as session:  # as the database stood before migration 0010
        session.execute(text("DROP TABLE merkle_nodes"))
        session.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    upgrade(node.engine)
    assert _assert_tree_matches(node, "GBR") >= 13


def test_a_tree_missing_subtrees_fails_closed(node, drafts) -> None:
    node.add_records([drafts.unique_actor() for _ in range(4)])
    with node.transaction() as session:
        session.execute(delete(MerkleNode).where(MerkleNode.level == 2))
    with node.reading() as session, pytest.raises(Error, match="db upgrade"):
        tree.root(session, "GBR", 4)
