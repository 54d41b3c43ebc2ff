"""Proof files: one signed record, its RFC 9162 inclusion proof and its origin's checkpoint.

A proof file shows that a record stood at its seq of its origin's log under a checkpoint,
in a few hundred bytes rather than the whole log. Checkpoints of protocol 2 sign the chain
head, not yet the tree root (binding the root into the signed checkpoint is the next step,
docs/protocol.md section 16): until then the file carries the root the exporting node
computed, and ``verify`` binds it to the signed head through the log the verifying node
holds (its own tree's root at that size, its own chain's head at that seq).
"""

from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound, VerificationError
from ..records.checkpoints import latest_checkpoint, signed_checkpoint
from ..records.entries import entry_hash, record_stub
from ..records.models import Placeholder, Record
from ..records.queries import get_record, signed
from ..records.verify import verify_signed_record
from ..signing import jws
from ..signing.trust import TrustRegistry
from . import merkle, tree

FORMAT = "enforce-share-proof/1"


def export(session: Session, record_id: str) -> dict[str, Any]:
    """The proof file of ``record_id`` (held in full here) under the latest checkpoint
    held of its origin."""
    row = get_record(session, record_id)
    checkpoint = latest_checkpoint(session, row.origin)
    if checkpoint.seq < row.seq:
        raise NotFound(f"No checkpoint of {row.origin} at or after seq {row.seq} held",
                       {"record_id": ["Sync, then export again."]})
    proof = tree.inclusion(session, row.origin, row.seq, checkpoint.seq)
    return {"format": FORMAT, **signed(row), "checkpoint": signed_checkpoint(checkpoint),
            "tree": {"size": checkpoint.seq, "root": proof["root"], "root_signed": False},
            "inclusion": {"seq": row.seq, "proof": proof["proof"]}}


def verify(session: Session, registry: TrustRegistry, document: Any) -> str:
    """Check a proof file offline against the keys and the log this node holds; a line
    saying what was proven, or VerificationError naming what failed."""
    record, checkpoint, token, size, root, path = _parts(document)
    verify_signed_record(registry, {"record": record, "jws": document["jws"]})
    registry.verify_checkpoint(checkpoint, token)
    origin, seq = record["origin"], record["seq"]
    if checkpoint["origin"] != origin or checkpoint["seq"] != size or not 1 <= seq <= size:
        raise VerificationError("bad_proof_file", "the checkpoint is not of the record's log "
                                "at the tree's size")
    stub_hash = entry_hash(record_stub(record, jws.record_hash(jws.canonical(record))))
    merkle.verify_inclusion(seq - 1, size, merkle.leaf_hash(bytes.fromhex(stub_hash)), path,
                            root)
    _bind_root(session, origin, size, root, checkpoint["head"])
    return (f"verified: {record['type']} {record['id']} is entry {seq} of {origin}'s log of "
            f"{size} (root {merkle.encode(root)}, checkpoint issued {checkpoint['issued']})")


def _parts(document: Any) -> tuple[dict[str, Any], dict[str, Any], str, int, bytes,
                                   list[bytes]]:
    """The pieces of a proof file, checked for shape; VerificationError if malformed."""
    try:
        if document["format"] != FORMAT:
            raise VerificationError("bad_proof_file", f"not an {FORMAT} file")
        checkpoint, token = document["checkpoint"]["checkpoint"], document["checkpoint"]["jws"]
        size, root = document["tree"]["size"], merkle.decode(document["tree"]["root"])
        path = [merkle.decode(value) for value in document["inclusion"]["proof"]]
        if (type(size) is not int or document["inclusion"]["seq"] != document["record"]["seq"]
                or not isinstance(checkpoint, dict) or not isinstance(token, str)
                or set(checkpoint) != {"origin", "seq", "head", "issued"}):
            raise VerificationError("bad_proof_file", "the parts do not fit together")
        return document["record"], checkpoint, token, size, root, path
    except (KeyError, TypeError, ValueError) as exc:
        raise VerificationError("bad_proof_file", f"malformed proof file ({exc})") from exc


def _bind_root(session: Session, origin: str, size: int, root: bytes, head: str) -> None:
    """The root of the tree of ``size`` this node holds is ``root``, and its chain head at
    that seq the signed ``head``: so the signed checkpoint stands for that root."""
    try:
        held_root = tree.root(session, origin, size) if tree.held_size(
            session, origin) >= size else None
    except (NotFound, InvalidInput):
        held_root = None
    if held_root is None:
        raise VerificationError("root_not_bound", f"this node does not hold {origin}'s log to "
                                f"seq {size}: sync it to bind the root to the checkpoint")
    held_head = session.scalar(select(Record.head).where(Record.origin == origin,
                                                         Record.seq == size)) or session.scalar(
        select(Placeholder.head).where(Placeholder.origin == origin, Placeholder.seq == size))
    if not hmac.compare_digest(held_root, root) or held_head != head:
        raise VerificationError("root_not_bound", f"the root or the signed head differs from "
                                f"{origin}'s log held here at {size}: a fork?")
