"""Offline exchange: a partner's feed pages written to a file, applied on import as a pull.

A bundle is a header signed by the exporting node (``{"header": {"bundle", "from", "for",
"created", "since"}, "jws"}``: a detached JWS over the RFC 8785 bytes, as records and
checkpoints are signed) followed by feed pages exactly as this node's feed serves them to the
``for`` partner. Import checks the whole file first, storing nothing until it passes: the
header's signature by a key of ``from`` not retired, its ``for`` and ``since``, and
that every full record is released to this node. It then cuts each page to what a pull would
ask for (the entries after the seq held) and applies it with the puller's own ``apply_page``:
the same checks, quarantine and blocking, with ``from`` as the peer.

A *selection* bundle (header ``"bundle": SELECTION``) has the same lines but holds only chosen
records in full: evidence to verify (``sync.bundle_verify``), which import refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import members
from ..clock import timestamp
from ..errors import Error, InvalidInput, VerificationError
from ..markings import given_to, visible
from ..partners import Partner
from ..records.checkpoints import signed_checkpoint
from ..records.drafts import RESERVED_TYPES, TRUST_TYPES
from ..records.entries import stub
from ..records.log import Signer
from ..records.models import Checkpoint, LogHead, Placeholder, Record
from ..records.verify import checked_shape
from ..signing.announcements import apply_trust_record
from ..signing.trust import TrustRegistry
from .bundle_verify import (
    FORMAT,
    SELECTION,
    Header,
    check_start,
    first_seq,
    page_origin,
    read_header,
    signed_header,
    verify_header,
)
from .feed import StoredEntry, feed_page
from .puller import PAGE, Outcome, Puller, apply_page, owed_seqs, resume_point, upgrade


@dataclass
class Span:
    """What a bundle holds of one origin's log: the seqs after ``after`` up to ``last``."""

    origin: str
    after: int
    last: int
    records: int = 0
    placeholders: int = 0


def parse_since(spec: str | None) -> dict[str, int]:
    """``"GBR=120,USA=40"`` as ``{"GBR": 120, "USA": 40}``: per origin, the seq to start after."""
    since: dict[str, int] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        origin, _, seq = part.partition("=")
        origin = origin.strip().upper()
        if not members.is_member(origin) or not seq.strip().isdigit() or origin in since:
            raise InvalidInput(f"{spec!r}: expected ORIGIN=SEQ[,ORIGIN=SEQ...] with "
                               f"origins among {', '.join(members.codes())}, each once")
        since[origin] = int(seq)
    return since


def export_bundle(session: Session, exporter: str, recipient: str, since: Mapping[str, int],
                  write: Callable[[dict[str, Any]], None], limit: int = PAGE, *,
                  signer: Signer) -> list[Span]:
    """Write the header signed by ``signer`` (this node's current key), then every log held
    here (but the recipient's) as served to it."""
    if session.get(Partner, recipient) is None:
        raise InvalidInput(f"{recipient} is not a partner of this node: add it with "
                           "`enforce-share partners add` first")
    write(signed_header(signer, FORMAT, exporter, recipient, since))
    spans = []
    for origin in list(session.scalars(select(LogHead.origin).order_by(LogHead.origin))):
        if origin != recipient:
            spans.append(_export_log(session, recipient, origin, since.get(origin, 0), write,
                                     limit))
    return spans


def _export_log(session: Session, recipient: str, origin: str, after: int,
                write: Callable[[dict[str, Any]], None], limit: int) -> Span:
    """One origin's pages; the first is written even if empty, for its checkpoint."""
    span = Span(origin, after, after)
    while True:
        page = feed_page(session, recipient, origin, span.last, limit)
        if page["entries"] or (span.last == after and page["checkpoint"] is not None):
            write(page)
        full = sum(1 for entry in page["entries"] if "record" in entry)
        span.records += full
        span.placeholders += len(page["entries"]) - full
        span.last += len(page["entries"])
        if page["next"] is None or not page["entries"]:
            return span


def import_bundle(node: Puller, lines: Iterable[Any]) -> list[Outcome]:
    """Apply a bundle's pages in order, each as the puller applies a page; one outcome a log.

    ``lines`` is read twice (a one-shot iterator is first read into memory): the first pass
    refuses the whole bundle (InvalidInput or VerificationError), storing nothing, if the
    header is not signed by a key of its ``from`` agency not retired, is a
    selection bundle's, is not for this node, or a line is not a page, does not start where
    the signed ``since`` says, or holds a full record not released to this node. Then a page
    that fails verification stops only its origin's log, as in a pull.
    """
    if iter(lines) is lines:
        lines = list(lines)
    header = _checked(node, iter(lines))
    exporter = header.exporter
    stream = iter(lines)
    if read_header(next(stream, None)) != header:  # a file rewritten between the passes
        raise InvalidInput("the bundle changed while it was read: import it again")
    outcomes: dict[str, Outcome] = {}
    for number, page in enumerate(stream, 2):
        origin = page_origin(page, number)
        if origin == node.agency:  # only this node writes its log; a pull never asks for it
            continue
        _check_released(page, node.agency, exporter, number)  # checked again, as stored
        outcome = outcomes.setdefault(origin, Outcome(exporter, origin))
        if outcome.error is None:
            _import_page(node, exporter, origin, page, outcome)
    return list(outcomes.values())


def _checked(node: Puller, stream: Iterator[Any]) -> Header:
    """The header of a sound exchange bundle for this node (the first pass of
    :func:`import_bundle`); raise otherwise.

    The header's key may be one the bundle itself announces (the exporter rotated its key
    since this node last heard from it), or one it revokes, so the exporter's key records
    met on the way are applied, in a session rolled back at the end, before the header is
    verified again.
    """
    header = read_header(next(stream, None))
    exporter = _exporter(node, header)
    with node.reading() as session:
        try:
            registry = TrustRegistry.load(session)
            try:
                registry.entry(header.kid)
            except VerificationError:
                pass  # a key the bundle may announce: checked after its key records
            else:  # at once, so a tampered header is refused as such
                verify_header(registry, header)
            seen: set[str] = set()
            for number, page in enumerate(stream, 2):
                origin = page_origin(page, number)
                if origin not in seen:
                    seen.add(origin)
                    check_start(header, origin, page["entries"], number)
                if origin == node.agency:
                    continue
                _check_released(page, node.agency, exporter, number)
                if origin == exporter:
                    for entry in page["entries"]:
                        registry = _learn_key(session, registry, entry)
            verify_header(registry, header)
        finally:
            session.rollback()
    return header


def _learn_key(session: Session, registry: TrustRegistry, entry: dict[str, Any]
               ) -> TrustRegistry:
    """The registry after ``entry`` if it is a trust record that verifies; unchanged if not
    (import quarantines a bad record later, and the header then fails on its key)."""
    record = entry.get("record") if isinstance(entry, dict) else None
    if not isinstance(record, dict) or record.get("type") not in TRUST_TYPES:
        return registry
    try:
        registry.verify_record(checked_shape(entry), entry["jws"])
        apply_trust_record(session, record)
    except VerificationError:
        return registry
    return TrustRegistry.load(session)


def _check_released(page: dict[str, Any], agency: str, exporter: str, number: int) -> None:
    """InvalidInput unless every full record of page ``number`` is released to ``agency``:
    an exporter must never have sent one that is not, and this node must never store it."""
    for entry in page["entries"]:
        if not isinstance(entry, dict) or "record" not in entry:
            continue  # a placeholder: checked as such when applied
        fields = entry["record"] if isinstance(entry["record"], dict) else {}
        marking = fields.get("marking")
        tlp = marking.get("tlp") if isinstance(marking, dict) else None
        audience = marking.get("releasable_to") if isinstance(marking, dict) else None
        if not (isinstance(tlp, str) and isinstance(audience, list) and all(
                isinstance(code, str) for code in audience) and given_to(
                    tlp, audience, agency, reserved=fields.get("type") in RESERVED_TYPES)):
            raise InvalidInput(
                f"line {number}: {fields.get('origin')} seq {fields.get('seq')} is a full "
                f"record not released to {agency} (marked {tlp!r}, releasable to "
                f"{audience!r}): the bundle from {exporter} is refused, nothing stored")


def _exporter(node: Puller, header: Header) -> str:
    """The exporting agency named by an exchange bundle's header meant for this node;
    InvalidInput otherwise."""
    exporter, recipient = header.exporter, header.recipient
    if header.selection:  # its placeholders would stand for records this node may be owed
        raise InvalidInput(
            "this is a selection bundle (chosen records, the rest as hashes): evidence to "
            "check with `enforce-share bundle verify FILE`, not a log to import; for the "
            f"logs themselves pull from {exporter} or ask it for `enforce-share bundle "
            f"export --for {recipient}`")
    if recipient != node.agency:
        raise InvalidInput(f"this bundle is for {recipient}, not for this node "
                           f"({node.agency}): ask {exporter} for one exported --for {node.agency}")
    if exporter == node.agency:
        raise InvalidInput(f"this bundle was exported by {exporter}, this node's own agency")
    with node.reading() as session:
        if session.get(Partner, exporter) is None:
            raise InvalidInput(f"this bundle is from {exporter}, not a partner of this node: "
                               "add it with `enforce-share partners add` first")
    return exporter


def _import_page(node: Puller, exporter: str, origin: str, page: dict[str, Any],
                 outcome: Outcome) -> None:
    """Upgrade the placeholders owed here that the page's earlier entries give in full, then
    cut it to the entries after the seq held and apply them as a pull would."""
    held, blocked = resume_point(node, exporter, origin)
    outcome.held = held
    if blocked is not None:
        outcome.error = blocked
        return
    entries = page["entries"]
    start = first_seq(entries, held)
    if start > held + 1:  # a later bundle than this node has: nothing stored, nothing blamed
        outcome.error = (f"the bundle starts at seq {start} but this node holds up to {held}: "
                         "import the earlier bundle first")
        return
    earlier, fresh = entries[:held + 1 - start], {**page, "entries": entries[held + 1 - start:]}
    if earlier and not upgrade(node, exporter, origin, held, earlier,
                               set(owed_seqs(node, origin, limit=None)), outcome):
        outcome.error = f"a record the bundle gives for {origin}'s log held here is bad"
        return  # records owed to this node that a pull or an earlier bundle held back
    if not fresh["entries"] and (page.get("checkpoint") is None
                                 or _checkpoint_held(node, origin, page["checkpoint"])):
        return  # everything already held: importing again changes nothing
    try:
        progress = apply_page(node, exporter, origin, held, fresh)
    except VerificationError as exc:
        outcome.error = exc.message  # "reason: detail"
        return
    outcome.stored += progress.stored
    outcome.placeholders += progress.placeholders
    outcome.upgraded += progress.upgraded
    outcome.held = progress.heads.get(origin, (held, ""))[0]


def _checkpoint_held(node: Puller, origin: str, signed: Any) -> bool:
    """Whether exactly this signed checkpoint (statement and signature) is held already."""
    statement = signed.get("checkpoint") if isinstance(signed, dict) else None
    if not isinstance(statement, dict) or type(statement.get("seq")) is not int or not (
            0 <= statement["seq"] < 2**63):
        return False
    with node.reading() as session:
        held = session.scalar(select(Checkpoint).where(
            Checkpoint.origin == origin, Checkpoint.seq == statement["seq"]))
        return held is not None and held.statement() == statement and held.jws == signed.get(
            "jws")


@dataclass
class Selection:
    """What :func:`export_selection` wrote: a span per origin, the ids written in full, and
    why each other selected id was not (``"not held"``, ``"withdrawn"``, ``"not released to
    AUS"``, ``"past the newest checkpoint held"``)."""

    spans: list[Span] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    withheld: dict[str, str] = field(default_factory=dict)


def export_selection(session: Session, exporter: str, recipient: str, record_ids: Iterable[str],
                     write: Callable[[dict[str, Any]], None], *, signer: Signer,
                     created: str | None = None, limit: int = PAGE) -> Selection:
    """Write a selection bundle (:data:`SELECTION`) of the records ``record_ids``, for
    ``recipient``'s agency; return what went in.

    The lines are those of :func:`export_bundle` but for the header's format: the header
    ``{"bundle": SELECTION, "from": exporter, "for": recipient, "created", "since": {}}``
    signed by ``signer`` (this node's current key), then for each
    origin of a selected record its log's feed pages from seq 1 to the newest checkpoint
    held, in pages of ``limit`` entries, each page carrying that signed checkpoint. Selected
    records go in full; every other entry is a placeholder (its stub), so the hash
    chain still runs from the zero head to the checkpoint's head and anyone holding the
    origins' public keys can verify each record, the chain and the checkpoint (a node with
    ``enforce-share bundle verify``, :func:`sync.bundle_verify.verify_bundle`; anyone else
    with a standard JWS library, RFC 7515 appendix F over the RFC 8785 bytes).

    A selected record goes in full only if ``recipient``'s agency may see it
    (:func:`markings.visible`) and it was not withdrawn; one seq'd past the newest checkpoint
    held cannot be anchored and is left out too: see ``Selection.withheld``. ``created``
    fixes the header's time (default now), so one selection can be written byte for byte
    again. It is evidence, not a log: :func:`import_bundle` refuses it, since a node storing
    its placeholders would take the entries left out as never released to it, and a pull
    would not ask for them again.
    """
    if not members.is_member(recipient) or not members.is_member(exporter):
        codes = ", ".join(members.codes())
        raise InvalidInput(f"{recipient if members.is_member(exporter) else exporter} is not "
                           f"a member agency: use one of {codes}", {"for": [f"One of: {codes}."]})
    selection = Selection()
    chosen = _chosen(session, recipient, sorted(set(record_ids)), selection)
    write(signed_header(signer, SELECTION, exporter, recipient, {}, created or timestamp()))
    for origin in sorted(chosen):
        checkpoint = session.scalar(select(Checkpoint).where(Checkpoint.origin == origin)
                                    .order_by(Checkpoint.seq.desc()).limit(1))
        covered = checkpoint.seq if checkpoint is not None else 0
        seqs = {seq: record_id for seq, record_id in chosen[origin].items() if seq <= covered}
        for seq, record_id in chosen[origin].items():
            if seq > covered:
                selection.withheld[record_id] = "past the newest checkpoint held"
        if checkpoint is not None and seqs:
            selection.spans.append(_write_selected(session, checkpoint, seqs, write, limit))
            selection.written += [seqs[seq] for seq in sorted(seqs)]
    return selection


def _chosen(session: Session, recipient: str, wanted: list[str],
            selection: Selection) -> dict[str, dict[int, str]]:
    """Per origin, seq -> id of the selected records that may go in full."""
    rows = {}
    for start in range(0, len(wanted), 500):
        rows.update((row.id, row) for row in session.execute(
            select(Record.id, Record.origin, Record.seq, Record.tlp, Record.releasable_to,
                   Record.withdrawn_by).where(Record.id.in_(wanted[start:start + 500]))))
    chosen: dict[str, dict[int, str]] = {}
    for record_id in wanted:
        row = rows.get(record_id)
        if row is None:
            selection.withheld[record_id] = "not held"
        elif row.withdrawn_by:
            selection.withheld[record_id] = "withdrawn"
        elif not visible(recipient, row.origin, row.tlp, row.releasable_to):
            selection.withheld[record_id] = f"not released to {recipient}"
        else:
            chosen.setdefault(row.origin, {})[row.seq] = record_id
    return chosen


def _write_selected(session: Session, checkpoint: Checkpoint, seqs: dict[int, str],
                    write: Callable[[dict[str, Any]], None], limit: int) -> Span:
    """Pages of seqs 1 to the checkpoint's: the records of ``seqs`` in full, the rest
    placeholders."""
    origin, last = checkpoint.origin, checkpoint.seq
    signed = signed_checkpoint(checkpoint)
    span = Span(origin, 0, last, records=len(seqs), placeholders=last - len(seqs))
    for after in range(0, last, limit):
        upper = min(after + limit, last)
        stubs = {row.seq: stub(origin, row.seq, row.id, row.record_hash, row.tlp,
                               row.releasable_to) for row in session.execute(
            select(Record.seq, Record.id, Record.record_hash, Record.tlp, Record.releasable_to)
            .where(Record.origin == origin, Record.seq > after, Record.seq <= upper))}
        stubs.update((hole.seq, hole.stub()) for hole in session.scalars(
            select(Placeholder).where(Placeholder.origin == origin, Placeholder.seq > after,
                                      Placeholder.seq <= upper)))
        wanted = [seq for seq in seqs if after < seq <= upper]
        full = {row.seq: StoredEntry(row.canonical, row.jws).document()
                for row in session.execute(select(Record.seq, Record.canonical, Record.jws)
                                           .where(Record.origin == origin,
                                                  Record.seq.in_(wanted)))} if wanted else {}
        entries = []
        for seq in range(after + 1, upper + 1):
            if seq not in stubs:  # ingest never leaves a gap below a checkpoint it kept
                raise Error(f"{origin}'s log held here has no entry at seq {seq}")
            entries.append(full[seq] if seq in full else stubs[seq])
        write({"origin": origin, "entries": entries, "checkpoint": signed,
               "next": upper if upper < last else None})
    return span
