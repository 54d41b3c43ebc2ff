"""Each origin's log as an RFC 9162 Merkle tree, stored as its perfect subtrees.

The leaves are the entries' stub hashes (``records.entries.entry_hash``), so a node holding
placeholders has the same tree as the origin. As entries are stored (``extend``, called by
every writer of a log in the storing transaction) each perfect subtree of two leaves or more
they complete is written once; a root, an inclusion proof or a consistency proof at any size
then reads the O(log n) subtrees it needs in one query (``merkle``), never the log. A leaf
is not stored: it is read from the entry it hashes (a record or a placeholder), which halves
what a sync writes for the tree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .. import members
from ..db import insert_rows
from ..errors import Error, InvalidInput, NotFound
from ..records.entries import entry_hash, stub
from ..records.models import LogHead, Placeholder, Record
from . import merkle
from .models import MerkleNode

_TABLE = MerkleNode.__table__


def frontier(size: int) -> list[merkle.Node]:
    """The perfect subtrees the tree of ``size`` leaves splits into (its right edge)."""
    return merkle.perfect_nodes(0, size)


def extend(session: Session, origin: str, size: int, entry_hashes: Sequence[str]) -> None:
    """Add the leaves of entries ``size + 1 ...`` (their stub hashes, hex) to ``origin``'s
    tree, which holds ``size`` leaves: write every perfect subtree they complete.

    A new subtree's left child is either new too or the subtree of the old tree's frontier
    at its level, so the one read is the old frontier.
    """
    if not entry_hashes:
        return
    end = size + len(entry_hashes)
    held = stored_nodes(session, origin)(frontier(size))
    level_nodes = {size + offset: merkle.leaf_hash(bytes.fromhex(entry))
                   for offset, entry in enumerate(entry_hashes)}
    rows = []  # leaves are the entries' own: only subtrees above them are written
    level = 0
    while (end >> (level + 1)) > (size >> (level + 1)):
        above = {}
        for index in range(size >> (level + 1), end >> (level + 1)):
            left = level_nodes.get(2 * index) or held[level, 2 * index]
            above[index] = merkle.node_hash(left, level_nodes[2 * index + 1])
        level += 1
        level_nodes = above
        rows += [{"origin": origin, "level": level, "index": index, "hash": value}
                 for index, value in above.items()]
    insert_rows(session.connection(), _TABLE, rows)


def extend_from_stubs(session: Session, leaves: Iterable[tuple[str, int, str]]) -> None:
    """``extend`` each origin's tree by ``(origin, seq, entry hash)`` leaves: per origin,
    seqs follow on from the tree held (a writer stores a log in seq order, with no gap)."""
    by_origin: dict[str, list[tuple[int, str]]] = {}
    for origin, seq, entry in leaves:
        by_origin.setdefault(origin, []).append((seq, entry))
    for origin, entries in by_origin.items():
        entries.sort()
        extend(session, origin, entries[0][0] - 1, [entry for _, entry in entries])


def stored_nodes(session: Session, origin: str) -> merkle.Nodes:
    """``merkle.Nodes`` over ``origin``'s stored subtrees, and its leaves from the entries
    they hash: a query per call, two when leaves are asked for."""
    def fetch(wanted: Collection[merkle.Node]) -> dict[merkle.Node, bytes]:
        leaves = [index for level, index in wanted if level == 0]
        above = [(level, index) for level, index in wanted if level > 0]
        found = _leaves(session, origin, leaves)
        if above:
            found.update({(row.level, row.index): row.hash for row in session.execute(
                select(MerkleNode.level, MerkleNode.index, MerkleNode.hash).where(or_(*(
                    # the origin in every term: each is then one primary key lookup
                    # (SQLite's OR optimisation, PostgreSQL's bitmap OR), never a scan
                    and_(MerkleNode.origin == origin, MerkleNode.level == level,
                         MerkleNode.index == index) for level, index in above))))})
        missing = set(wanted) - set(found)
        if missing:  # a log stored past its tree: never on a migrated database
            raise Error(f"The Merkle tree of {origin} lacks {len(missing)} subtrees: "
                        "run enforce-share db upgrade")
        return found

    return fetch


def _leaves(session: Session, origin: str, indexes: Sequence[int]) -> dict[merkle.Node, bytes]:
    """The leaf hashes of entries ``index + 1`` of ``origin``'s log, from the records and
    placeholders held (the stub hash of each, under RFC 9162's leaf prefix)."""
    if not indexes:
        return {}
    seqs = [index + 1 for index in indexes]
    rows = [*session.execute(select(Record.seq, Record.id, Record.record_hash, Record.tlp,
                                    Record.releasable_to)
                             .where(Record.origin == origin, Record.seq.in_(seqs))),
            *session.execute(select(Placeholder.seq, Placeholder.record_id,
                                    Placeholder.record_hash, Placeholder.tlp,
                                    Placeholder.releasable_to)
                             .where(Placeholder.origin == origin, Placeholder.seq.in_(seqs)))]
    return {(0, seq - 1): merkle.leaf_hash(bytes.fromhex(entry_hash(
        stub(origin, seq, record_id, record_hash, tlp, releasable_to))))
        for seq, record_id, record_hash, tlp, releasable_to in rows}


def root(session: Session, origin: str, size: int) -> bytes:
    """MTH of ``origin``'s first ``size`` entries."""
    return merkle.root(size, stored_nodes(session, origin))


def held_size(session: Session, origin: str) -> int:
    """How many entries of ``origin``'s log this node holds (its tree's size)."""
    if not members.is_member(origin):
        raise NotFound(f"No log of {origin}", {"origin": ["Not an agency code."]})
    head = session.get(LogHead, origin)
    return head.seq if head is not None else 0


def _check_size(session: Session, origin: str, size: int, field: str) -> None:
    held = held_size(session, origin)
    if size > held:
        raise NotFound(f"{origin}'s log held here has {held} entries, not {size}",
                       {field: [f"At most {held}, the entries held."]})


def inclusion(session: Session, origin: str, seq: int, size: int) -> dict[str, Any]:
    """The inclusion proof of entry ``seq`` in the tree of ``size`` entries, with its leaf
    and root (base64)."""
    if not 1 <= seq <= size:
        raise InvalidInput(f"seq {seq} is not in a tree of {size}",
                           {"seq": [f"From 1 to size ({size})."]})
    _check_size(session, origin, size, "size")
    nodes = stored_nodes(session, origin)
    leaf = nodes([(0, seq - 1)])[0, seq - 1]
    return {"origin": origin, "seq": seq, "size": size, "leaf": merkle.encode(leaf),
            "root": merkle.encode(merkle.root(size, nodes)),
            "proof": [merkle.encode(value)
                      for value in merkle.inclusion_proof(seq - 1, size, nodes)]}


def consistency(session: Session, origin: str, first: int, second: int) -> dict[str, Any]:
    """The consistency proof between the trees of ``first`` and ``second`` entries, with
    both roots (base64)."""
    if not 1 <= first <= second:
        raise InvalidInput(f"no consistency proof from {first} to {second}",
                           {"from": [f"From 1 to to ({second})."]})
    _check_size(session, origin, second, "to")
    nodes = stored_nodes(session, origin)
    return {"origin": origin, "from": first, "to": second,
            "from_root": merkle.encode(merkle.root(first, nodes)),
            "to_root": merkle.encode(merkle.root(second, nodes)),
            "proof": [merkle.encode(value)
                      for value in merkle.consistency_proof(first, second, nodes)]}
