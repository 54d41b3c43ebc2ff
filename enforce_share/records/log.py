"""Writing this node's own log: number, sign, chain and store drafts in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput
from ..schemas.records import body_errors
from ..signing import jws
from .checkpoints import issue_checkpoint
from .drafts import KEY_TYPES, Draft
from .effects import apply_effects
from .models import LogHead, Record


class Signer(Protocol):
    """What appending needs of a signing key."""

    kid: str

    def sign(self, payload: bytes) -> str:
        """A detached compact JWS over ``payload``."""
        ...


def ensure_log(session: Session, origin: str) -> LogHead:
    """The log head row of ``origin``, created empty (seq 0, zero head) if missing."""
    head = session.get(LogHead, origin)
    if head is None:
        head = LogHead(origin=origin, seq=0, head=jws.ZERO_HEAD)
        session.add(head)
        session.flush()
    return head


def append(
    session: Session, signer: Signer, origin: str, drafts: Sequence[Draft],
    *, allow_key_types: bool = False,
) -> list[Record]:
    """Append drafts to ``origin``'s log: seqs are taken atomically, then each is signed.

    The seq range is reserved with one ``UPDATE ... RETURNING`` on the origin's log head row:
    it write-locks that row (PostgreSQL) or the database (SQLite) until commit, so concurrent
    writers, in any process, never share a seq and never leave a gap.
    """
    _check_drafts(session, origin, drafts, allow_key_types)
    count = len(drafts)
    reserved = session.execute(
        update(LogHead).where(LogHead.origin == origin)
        .values(seq=LogHead.seq + count).returning(LogHead.seq, LogHead.head)
    ).one_or_none()
    if reserved is None:
        ensure_log(session, origin)
        return append(session, signer, origin, drafts, allow_key_types=allow_key_types)
    last_seq, head = reserved
    rows = []
    for offset, draft in enumerate(drafts):
        record = draft.envelope(origin, last_seq - count + offset + 1)
        payload = jws.canonical(record)
        hash_hex = jws.record_hash(payload)
        head = jws.next_head(head, hash_hex)
        rows.append(row_values(record, payload, signer.sign(payload), signer.kid, hash_hex, head))
    session.execute(insert(Record), rows)
    session.execute(update(LogHead).where(LogHead.origin == origin).values(head=head))
    apply_effects(session, rows, strict=True)
    issue_checkpoint(session, signer, origin, last_seq, head)
    return [Record(**row) for row in rows]


def row_values(
    record: dict[str, Any], payload: bytes, token: str, kid: str, hash_hex: str, head: str
) -> dict[str, Any]:
    """The table row of a signed record."""
    marking = record["marking"]
    return {
        "id": record["id"], "origin": record["origin"], "seq": record["seq"],
        "type": record["type"], "created": record["created"], "supersedes": record["supersedes"],
        "tlp": marking["tlp"], "releasable_to": list(marking["releasable_to"]), "kid": kid,
        "canonical": payload.decode("utf-8"), "jws": token, "record_hash": hash_hex,
        "head": head,
    }


def _check_drafts(
    session: Session, origin: str, drafts: Sequence[Draft], allow_key_types: bool
) -> None:
    """Refuse the batch if a draft is malformed or refers to a record it may not change."""
    for index, draft in enumerate(drafts):
        if draft.type in KEY_TYPES and not allow_key_types:
            raise InvalidInput("Key records are written by `enforce-share keys`",
                               {"type": ["key and key_revocation are reserved."]})
        errors = body_errors(draft.type, draft.body)
        if errors:
            raise InvalidInput(f"Draft {index} is not a valid {draft.type}", errors)
    wanted = {d.id for d in drafts if d.id} | {d.supersedes for d in drafts if d.supersedes} | {
        d.body["target"] for d in drafts if d.type == "withdrawal"}
    held = {row.id: row for row in session.scalars(
        select(Record).where(Record.id.in_(wanted)))} if wanted else {}
    earlier: dict[str, Draft] = {}
    superseded: set[str] = set()
    for draft in drafts:
        if draft.supersedes:
            if draft.supersedes in superseded:
                raise Conflict(f"Record {draft.supersedes} is superseded twice",
                               {"supersedes": ["Supersede the latest version."]})
            superseded.add(draft.supersedes)
            target = earlier.get(draft.supersedes) or held.get(draft.supersedes)
            _check_target(target, origin, draft.supersedes, "supersedes", draft.type)
        if draft.type == "withdrawal":
            target_id = draft.body["target"]
            _check_target(earlier.get(target_id) or held.get(target_id), origin, target_id,
                          "body.target")
        if draft.id:
            if draft.id in earlier or draft.id in held:
                raise Conflict(f"Record {draft.id} already exists", {"id": ["Already stored."]})
            earlier[draft.id] = draft


def _check_target(
    target: Draft | Record | None, origin: str, record_id: str, field: str,
    same_type: str | None = None,
) -> None:
    if target is None:
        raise InvalidInput(f"No record {record_id}", {field: ["No such record."]})
    if isinstance(target, Draft):  # an earlier draft of this batch: same origin by definition
        target_type, superseded_by, withdrawn_by = target.type, None, None
    else:
        if target.origin != origin:
            raise InvalidInput(f"Record {record_id} belongs to {target.origin}",
                               {field: ["Only the origin agency may change its records."]})
        target_type, superseded_by, withdrawn_by = (target.type, target.superseded_by,
                                                    target.withdrawn_by)
    if same_type and target_type != same_type:
        raise InvalidInput(f"Record {record_id} is a {target_type}",
                           {field: [f"A {same_type} can only supersede a {same_type}."]})
    if same_type and superseded_by:
        raise Conflict(f"Record {record_id} is already superseded by {superseded_by}",
                       {field: ["Supersede the latest version."]})
    if withdrawn_by:
        raise InvalidInput(f"Record {record_id} was withdrawn", {field: ["Withdrawn."]})
