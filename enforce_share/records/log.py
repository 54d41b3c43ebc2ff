"""Writing this node's own log: number, sign, chain and store drafts in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import members
from ..clock import parse_timestamp
from ..errors import Conflict, Error, InvalidInput, VerificationError
from ..markings import audience, covers, releasable
from ..signing import jws
from ..transparency import tree
from .checkpoints import issue_checkpoint
from .drafts import RESERVED_TYPES, UNWITHDRAWABLE, Draft
from .entries import entry_hash, record_stub
from .models import LogHead, Record
from .store import store_rows
from .verify import first_problem, record_errors

#: A checkpoint at least every this many seqs of a long write: a feed page ends at a
#: checkpoint, so a partner keeps nothing it could not link to one (docs/protocol.md 7).
CHECKPOINT_EVERY = 500


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
    *, reserved: bool = False,
) -> list[Record]:
    """Append drafts to ``origin``'s log: seqs are taken atomically, then each is signed.

    The seq range is reserved with one ``UPDATE ... RETURNING`` on the origin's log head row:
    it write-locks that row (PostgreSQL) or the database (SQLite) until commit, so concurrent
    writers, in any process, never share a seq and never leave a gap. Shapes are checked
    before the lock; references to other records after it, so two writers cannot both
    supersede or withdraw the same record.
    """
    if not drafts:  # an empty insert would write a row of defaults
        return []
    _check_shapes(origin, drafts, reserved)
    count = len(drafts)
    taken = session.execute(
        update(LogHead).where(LogHead.origin == origin)
        .values(seq=LogHead.seq + count).returning(LogHead.seq, LogHead.head)
    ).one_or_none()
    if taken is None:
        ensure_log(session, origin)
        return append(session, signer, origin, drafts, reserved=reserved)
    _check_references(session, origin, drafts)
    last_seq, head = taken
    floor = session.scalar(select(Record.created).where(Record.origin == origin)
                           .order_by(Record.seq.desc()).limit(1))
    rows, leaves = [], []
    for offset, draft in enumerate(drafts):
        record = draft.envelope(origin, last_seq - count + offset + 1)
        if floor is not None and parse_timestamp(record["created"]) < parse_timestamp(floor):
            record["created"] = floor  # the clock stepped back: a log's time only moves on
        try:
            payload = jws.canonical(record)
        except VerificationError as exc:
            raise InvalidInput(f"Draft {offset} cannot be canonicalised",
                               {"body": ["Text must be valid Unicode (no lone surrogates)."]}
                               ) from exc
        hash_hex = jws.record_hash(payload)
        leaves.append(entry_hash(record_stub(record, hash_hex)))
        head = jws.next_head(head, leaves[-1])
        rows.append(row_values(record, payload, signer.sign(payload), signer.kid, hash_hex, head))
    store_rows(session, rows, strict=True)
    tree.extend(session, origin, last_seq - count, leaves)
    session.execute(update(LogHead).where(LogHead.origin == origin).values(head=head))
    for row in rows:  # feed pages end at checkpoints: one every CHECKPOINT_EVERY seqs at least
        if row["seq"] % CHECKPOINT_EVERY == 0 and row["seq"] != last_seq:
            issue_checkpoint(session, signer, origin, row["seq"], row["head"])
    issue_checkpoint(session, signer, origin, last_seq, head)
    return [Record(**{key: value for key, value in row.items() if key != "envelope"})
            for row in rows]


def row_values(
    record: dict[str, Any], payload: bytes, token: str, kid: str, hash_hex: str, head: str
) -> dict[str, Any]:
    """The table row of a signed record, and the record itself (``envelope``, not a column:
    what is stored beside the row, such as its search document, is made from it)."""
    marking = record["marking"]
    return {
        "id": record["id"], "origin": record["origin"], "seq": record["seq"],
        "type": record["type"], "created": record["created"], "supersedes": record["supersedes"],
        "tlp": marking["tlp"], "releasable_to": list(marking["releasable_to"]),
        "audience": audience(marking["tlp"], marking["releasable_to"]), "kid": kid,
        "canonical": payload.decode("utf-8"), "jws": token, "record_hash": hash_hex,
        "head": head, "envelope": record,
    }


def _check_shapes(origin: str, drafts: Sequence[Draft], reserved: bool) -> None:
    """Refuse the batch unless every draft makes a record partners will accept (and only
    the node's own use cases, ``reserved``, write its keys and audit anchors)."""
    for index, draft in enumerate(drafts):
        if draft.type in RESERVED_TYPES and not reserved:
            raise InvalidInput("Key records and audit anchors are written by the node itself",
                               {"type": [f"{', '.join(sorted(RESERVED_TYPES))} are reserved."]})
        errors = record_errors(draft.envelope(origin, 1)) or _non_members(draft)
        if errors:
            raise InvalidInput(f"Draft {index} is not a valid {draft.type}: "
                               f"{first_problem(errors)}", errors)


def _non_members(draft: Draft) -> dict[str, Any]:
    """Errors naming each agency code of the draft (marking, a case's agencies) that is no
    member's: a writer releases to and names members only (a received record may name an
    agency this node has not yet heard admitted, so only writing checks this)."""
    def problem(codes: list[str]) -> list[str] | None:
        strangers = [code for code in codes if not members.is_member(code)]
        return [f"Not member agencies: {', '.join(strangers)} (members: "
                f"{', '.join(members.codes())})."] if strangers else None

    errors: dict[str, Any] = {}
    if found := problem(list(draft.marking["releasable_to"])):
        errors["marking"] = {"releasable_to": found}
    if draft.type == "case":
        body = {name: found for name, codes in (
            ("lead_agency", [draft.body["lead_agency"]]),
            ("participants", list(draft.body.get("participants", ())))
        ) if (found := problem(codes))}
        if body:
            errors["body"] = body
    return errors


def _check_references(session: Session, origin: str, drafts: Sequence[Draft]) -> None:
    """Refuse the batch if a draft repeats an id, changes a record it may not change, or
    changes it with a marking that does not reach every agency the record was released to."""
    wanted = {d.id for d in drafts if d.id} | {d.supersedes for d in drafts if d.supersedes} | {
        d.body["target"] for d in drafts if d.type == "withdrawal"}
    held = {row.id: row for row in session.scalars(
        select(Record).where(Record.id.in_(wanted)))} if wanted else {}
    earlier: dict[str, Draft] = {}
    superseded: set[str] = set()
    withdrawn: set[str] = set()
    for draft in drafts:
        if draft.supersedes:
            if draft.supersedes in superseded:
                raise Conflict(f"Record {draft.supersedes} is superseded twice",
                               {"supersedes": ["Supersede the latest version."]})
            superseded.add(draft.supersedes)
            target = earlier.get(draft.supersedes) or held.get(draft.supersedes)
            _check_target(target, origin, draft.supersedes, ("supersedes",), draft.type)
            _check_marking(draft, target, draft.supersedes, "a new version")
        if draft.type == "withdrawal":
            target_id = draft.body["target"]
            if target_id in withdrawn:
                raise Conflict(f"Record {target_id} is withdrawn twice",
                               {"body": {"target": ["Already withdrawn."]}})
            withdrawn.add(target_id)
            target = earlier.get(target_id) or held.get(target_id)
            _check_target(target, origin, target_id, ("body", "target"))
            _check_marking(draft, target, target_id, "a withdrawal")
        if draft.id:
            if draft.id in earlier or draft.id in held:
                raise Conflict(f"Record {draft.id} already exists", {"id": ["Already stored."]})
            earlier[draft.id] = draft


def _check_target(
    target: Draft | Record | None, origin: str, record_id: str, field: tuple[str, ...],
    same_type: str | None = None,
) -> None:
    """Refuse a supersedes or withdrawal target that this origin may not change."""

    def problem(error: type[Error], message: str, detail: str) -> Error:
        fields: dict[str, Any] = {field[-1]: [detail]}
        for name in reversed(field[:-1]):
            fields = {name: fields}
        return error(message, fields)

    if target is None:
        raise problem(InvalidInput, f"No record {record_id}", "No such record.")
    if isinstance(target, Draft):  # an earlier draft of this batch: same origin by definition
        target_type, superseded_by, withdrawn_by = target.type, None, None
    else:
        if target.origin != origin:
            raise problem(InvalidInput, f"Record {record_id} belongs to {target.origin}",
                          "Only the origin agency may change its records.")
        target_type, superseded_by, withdrawn_by = (target.type, target.superseded_by,
                                                    target.withdrawn_by)
    if same_type and target_type != same_type:
        raise problem(InvalidInput, f"Record {record_id} is of type {target_type}",
                      f"A {same_type} can only supersede a {same_type}.")
    if not same_type and target_type in UNWITHDRAWABLE:
        raise problem(InvalidInput, f"Record {record_id} is of type {target_type}",
                      "Key records and withdrawals cannot be withdrawn.")
    if same_type and superseded_by:
        raise problem(Conflict, f"Record {record_id} is already superseded by {superseded_by}",
                      "Supersede the latest version.")
    if withdrawn_by:
        raise problem(Conflict, f"Record {record_id} was withdrawn", "Withdrawn.")


def _check_marking(
    draft: Draft, target: Draft | Record | None, target_id: str, kind: str
) -> None:
    """Refuse a new version or withdrawal that would not reach every agency holding its target.

    Partners only receive what is released to them: one the target reached but the change did
    not would keep the target as current (and find it by search) for ever (protocol §8).
    """
    if target is None:  # _check_target has refused it already
        return
    if isinstance(target, Draft):
        target_tlp, target_releasable_to = target.marking["tlp"], target.marking["releasable_to"]
    else:
        target_tlp, target_releasable_to = target.tlp, target.releasable_to
    tlp, releasable_to = draft.marking["tlp"], draft.marking["releasable_to"]
    if covers(tlp, releasable_to, target_tlp, target_releasable_to):
        return
    missing = ", ".join(agency for agency in members.codes()
                        if releasable(target_tlp, target_releasable_to, agency)
                        and not releasable(tlp, releasable_to, agency))
    detail = f"The target was released to {missing}: {kind} must reach them too."
    raise InvalidInput(f"Record {target_id} was released to {missing}: {kind} must reach "
                       "them too", {"marking": {"releasable_to": [detail]}})
