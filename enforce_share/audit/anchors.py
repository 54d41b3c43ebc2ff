"""Anchors of the audit trail in the node's own signed log, where partners hold them.

The trail is a SHA-256 chain (``trail``): whoever can write the node's database can edit an
entry and rehash every one after it, and the chain alone would still verify. So the node
writes the trail's head into its own log as an ``audit_anchor`` record (public marking: a
hash tells nothing), signed with the node key; every partner pulls it and keeps the
checkpoints that commit to it. A rewritten trail no longer reaches the heads anchored in the
log (:func:`unreached`); a log rewritten to match no longer reaches the checkpoints the
partners hold (:func:`own_head_at`), which nobody at the node controls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..markings import public_marking
from ..records.drafts import Draft
from ..records.entries import entry_hash, record_stub
from ..records.log import Signer, append
from ..records.models import Record
from ..signing import jws
from .models import AuditHead
from .trail import HEAD_ID

ANCHOR = "audit_anchor"


@dataclass(frozen=True)
class Anchor:
    """An audit head as the node's log holds it: at which log seq, written when."""

    log_seq: int
    created: str
    audit_head: str


def anchor(session: Session, signer: Signer, agency: str) -> Record | None:
    """Write the trail's head into ``agency``'s log, unless the last anchor holds it."""
    head = session.get(AuditHead, HEAD_ID)
    if head is None or head.seq == 0:
        return None
    last = session.scalar(select(Record.canonical).where(
        Record.origin == agency, Record.type == ANCHOR).order_by(Record.seq.desc()).limit(1))
    if last is not None and orjson.loads(last)["body"]["audit_head"] == head.head:
        return None
    (record,) = append(session, signer, agency,
                       [Draft(ANCHOR, public_marking(), {"audit_head": head.head})],
                       reserved=True)
    return record


def anchors(session: Session, agency: str) -> list[Anchor]:
    """The anchors of ``agency``'s log in order, read from the signed bytes (not from columns
    a database edit could change apart from them)."""
    found = []
    for seq, canonical in session.execute(select(Record.seq, Record.canonical).where(
            Record.origin == agency, Record.type == ANCHOR).order_by(Record.seq)):
        record = orjson.loads(canonical)
        found.append(Anchor(seq, record["created"], record["body"]["audit_head"]))
    return found


def unreached(held: list[Anchor], reached: dict[str, int]) -> str | None:
    """The first anchor the recomputed trail does not reach, in order, as a problem
    (``reached``: anchored head -> the audit seq whose hash it is); None if all hold."""
    after = 0
    for held_anchor in held:
        seq = reached.get(held_anchor.audit_head)
        if seq is None or seq < after:
            return (f"the trail no longer reaches the head anchored at seq "
                    f"{held_anchor.log_seq} of the node's log ({held_anchor.created}): "
                    f"entries after {after} were altered or removed")
        after = seq
    return None


def own_head_at(session: Session, agency: str, seq: int) -> str | None:
    """The head of ``agency``'s log after ``seq``, recomputed from the records' signed bytes
    (docs/protocol.md section 7); None if the log held here stops short of ``seq``."""
    head, expected = jws.ZERO_HEAD, 1
    for record_seq, canonical in _in_order(session, agency, seq):
        if record_seq != expected:
            return None
        payload = canonical.encode("utf-8")
        stub = record_stub(orjson.loads(payload), jws.record_hash(payload))
        head, expected = jws.next_head(head, entry_hash(stub)), expected + 1
    return head if expected == seq + 1 else None


def _in_order(session: Session, agency: str, last: int, batch: int = 2000
              ) -> Iterator[tuple[int, str]]:
    after = 0
    while after < last and (rows := session.execute(
            select(Record.seq, Record.canonical).where(
                Record.origin == agency, Record.seq > after, Record.seq <= last)
            .order_by(Record.seq).limit(batch)).all()):
        yield from rows
        after = rows[-1][0]
