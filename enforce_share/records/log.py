"""Writing this node's own log: number, sign, chain and store drafts in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput
from ..schemas.records import body_errors
from ..signing import jws
from ..signing.announcements import apply_key_records
from .checkpoints import issue_checkpoint
from .drafts import KEY_TYPES, Draft
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
    pending: dict[str, Draft] = {}
    for index, draft in enumerate(drafts):
        _check_draft(session, origin, draft, index, allow_key_types, pending)
        if draft.id:
            pending[draft.id] = draft
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
        rows.append(row_for(record, payload, signer.sign(payload), signer.kid, hash_hex, head))
    session.add_all(rows)
    session.execute(update(LogHead).where(LogHead.origin == origin).values(head=head))
    session.flush()
    for row in rows:
        apply_effects(session, row)
    issue_checkpoint(session, signer, origin, last_seq, head)
    return rows


def row_for(
    record: dict[str, Any], payload: bytes, token: str, kid: str, hash_hex: str, head: str
) -> Record:
    """The table row for a signed record."""
    marking = record["marking"]
    return Record(
        id=record["id"], origin=record["origin"], seq=record["seq"], type=record["type"],
        created=record["created"], supersedes=record["supersedes"], tlp=marking["tlp"],
        releasable_to=list(marking["releasable_to"]), kid=kid,
        canonical=payload.decode("utf-8"), jws=token, record_hash=hash_hex, head=head,
    )


def apply_effects(session: Session, row: Record) -> None:
    """Mark what a stored record supersedes or withdraws (conditionally: no double updates)."""
    if row.supersedes:
        done = session.execute(
            update(Record).where(Record.id == row.supersedes, Record.superseded_by.is_(None))
            .values(superseded_by=row.id)
        ).rowcount
        if not done:
            raise Conflict(f"Record {row.supersedes} is already superseded",
                           {"supersedes": ["Supersede the latest version."]})
    if row.type in KEY_TYPES:
        apply_key_records(session, json.loads(row.canonical))
    if row.type == "withdrawal":
        target = json.loads(row.canonical)["body"]["target"]
        session.execute(
            update(Record).where(Record.id == target, Record.withdrawn_by.is_(None))
            .values(withdrawn_by=row.id)
        )


def _check_draft(
    session: Session, origin: str, draft: Draft, index: int, allow_key_types: bool,
    pending: dict[str, Draft],
) -> None:
    """Refuse a draft that is malformed or refers to a record it may not change."""
    if draft.type in KEY_TYPES and not allow_key_types:
        raise InvalidInput("Key records are written by `enforce-share keys`",
                           {"type": ["key and key_revocation are reserved."]})
    errors = body_errors(draft.type, draft.body)
    if errors:
        raise InvalidInput(f"Draft {index} is not a valid {draft.type}", errors)
    if draft.id and (draft.id in pending or session.scalar(
            select(Record.position).where(Record.id == draft.id))):
        raise Conflict(f"Record {draft.id} already exists", {"id": ["Already stored."]})
    if draft.supersedes in pending:  # an earlier draft of the same batch
        if pending[draft.supersedes].type != draft.type:
            raise InvalidInput(f"Draft {index} supersedes another type",
                               {"supersedes": [f"A {draft.type} can only supersede a "
                                               f"{draft.type}."]})
    elif draft.supersedes:
        _own_target(session, origin, draft.supersedes, "supersedes", same_type=draft.type)
    if draft.type == "withdrawal" and draft.body["target"] not in pending:
        _own_target(session, origin, draft.body["target"], "body.target")


def _own_target(
    session: Session, origin: str, record_id: str, field: str, same_type: str | None = None
) -> None:
    target = session.scalar(select(Record).where(Record.id == record_id))
    if target is None:
        raise InvalidInput(f"No record {record_id}", {field: ["No such record."]})
    if target.origin != origin:
        raise InvalidInput(f"Record {record_id} belongs to {target.origin}",
                           {field: ["Only the origin agency may change its records."]})
    if same_type and target.type != same_type:
        raise InvalidInput(f"Record {record_id} is a {target.type}",
                           {field: [f"A {same_type} can only supersede a {same_type}."]})
    if field == "supersedes" and target.superseded_by:
        raise Conflict(f"Record {record_id} is already superseded by {target.superseded_by}",
                       {field: ["Supersede the latest version."]})
    if target.withdrawn_by:
        raise InvalidInput(f"Record {record_id} was withdrawn", {field: ["Withdrawn."]})
