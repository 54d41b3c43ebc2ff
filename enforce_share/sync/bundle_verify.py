"""Checking a bundle as evidence, storing nothing: its signed header, records, hash chains,
signed checkpoints.

The header (``{"header": {"bundle", "from", "for", "created", "since"}, "jws"}``) is signed
by the exporting node as records and checkpoints are (RFC 7515 appendix F over the RFC 8785
bytes) and must verify with a key of its ``from`` agency not retired (its ``created`` no
later than this node's clock plus the skew); each origin's
entries must start after the seq its ``since`` names (0 if none). For each origin, every
full record is verified as a pull verifies it (shape, key, signature: ``records.verify``),
each entry's stub (a placeholder is one) extends the hash chain, and the chain must reach
the head of the origin's signed checkpoint (``sync.checkpoints``) at its seq. A log the
bundle takes from seq 1 is checked from the zero head; one that starts later (an exchange
bundle ``--since``) from the head this node holds at the seq before. Works on selection and
exchange bundles alike; the first failure raises. The header is checked after the pages,
with the keys the bundle's own root records announce (the exporter may have rotated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from .. import members
from ..clock import parse_timestamp, timestamp
from ..errors import InvalidInput, VerificationError
from ..records.drafts import TRUST_TYPES
from ..records.entries import checked_stub, entry_hash, is_placeholder, record_stub
from ..records.log import Signer
from ..records.verify import checked_shape
from ..signing import jws
from ..signing.announcements import apply_trust_record
from ..signing.trust import TrustRegistry, check_not_ahead
from .checkpoints import check_against_chain, conflicting_checkpoint, head_at, verified_checkpoint
from .puller import Equivocated

_HASH = re.compile(r"^[0-9a-f]{64}$")
_LAST_SEQ = 2**63  # a seq beyond any a database holds (64-bit integers)


#: The header's ``bundle`` of an exchange bundle: a partner's logs, to import.
FORMAT = "enforce-share/2"
#: The header's ``bundle`` of a selection bundle: chosen records and placeholders for every
#: other entry, to verify only (importing it would hold those entries as never released).
SELECTION = "enforce-share-selection/2"
#: The formats of version 1, whose header was not signed: refused, saying so.
UNSIGNED = ("enforce-share/1", "enforce-share-selection/1")
HEADER_KEYS = {"bundle", "from", "for", "created", "since"}
_SHAPE = ('the first line must be {"header": {"bundle", "from", "for", "created", "since"}, '
          '"jws"}')


@dataclass(frozen=True)
class Header:
    """A bundle's first line, checked for shape (its signature is checked apart, by
    :func:`verify_header`): format, exporter, recipient, time, the seq after which each
    origin's log starts, and the exporter's detached JWS over the statement."""

    format: str
    exporter: str
    recipient: str
    created: str
    since: dict[str, int]
    jws: str

    @property
    def selection(self) -> bool:
        """Whether the bundle is a selection (evidence), not an exchange bundle (a log)."""
        return self.format == SELECTION

    @property
    def kid(self) -> str:
        """The id of the key the header names as its signer."""
        return str(jws.header(self.jws)["kid"])

    def statement(self) -> dict[str, Any]:
        """The signed statement, as written on the wire."""
        return {"bundle": self.format, "from": self.exporter, "for": self.recipient,
                "created": self.created, "since": self.since}


def signed_header(signer: Signer, fmt: str, exporter: str, recipient: str,
                  since: Mapping[str, int], created: str | None = None) -> dict[str, Any]:
    """The first line of a bundle: its header, signed by ``signer`` (this node's key)."""
    statement = Header(fmt, exporter, recipient, created or timestamp(),
                       {origin: since[origin] for origin in sorted(since)}, "").statement()
    return {"header": statement, "jws": signer.sign(jws.canonical(statement))}


def read_header(line: Any) -> Header:
    """The header of a bundle of either format, checked for shape (not its signature);
    InvalidInput unless it is one."""
    if isinstance(line, dict) and line.get("bundle") in UNSIGNED:
        raise InvalidInput(f"this is an {line['bundle']} bundle, whose header is not signed: "
                           f"this node reads {FORMAT} and {SELECTION} only; ask "
                           f"{line.get('from', 'its exporter')} to export it again")
    statement = line.get("header") if isinstance(line, dict) and set(line) == {
        "header", "jws"} else None
    if not isinstance(statement, dict) or set(statement) != HEADER_KEYS or statement[
            "bundle"] not in (FORMAT, SELECTION) or not isinstance(line["jws"], str):
        raise InvalidInput(f"not an {FORMAT} or {SELECTION} bundle: {_SHAPE}")
    exporter, recipient, since = statement["from"], statement["for"], statement["since"]
    if not members.is_member(exporter) or not members.is_member(recipient):
        raise InvalidInput("the bundle header's from and for must be among "
                           f"{', '.join(members.codes())}")
    if not isinstance(since, dict) or not all(members.is_member(origin) and type(seq) is int and (
            0 <= seq < 2**63) for origin, seq in since.items()):
        raise InvalidInput("the bundle header's since must map agency codes to seqs")
    try:
        parse_timestamp(statement["created"])
    except (AttributeError, TypeError, ValueError):
        raise InvalidInput("the bundle header's created must be an RFC 3339 UTC timestamp"
                           ) from None
    return Header(statement["bundle"], exporter, recipient, statement["created"], since,
                  line["jws"])


def verify_header(registry: TrustRegistry, header: Header) -> None:
    """Raise VerificationError (its detail naming the bundle header) unless a key of the
    exporting agency not retired (with what the bundle brings of its log applied) signed
    exactly this header, and its ``created`` is not ahead of this node's clock."""
    try:
        registry.verify_current(header.statement(), header.jws, header.exporter)
        check_not_ahead(header.created, "created")
    except VerificationError as exc:
        raise VerificationError(exc.reason, f"bundle header (from {header.exporter}, for "
                                f"{header.recipient}, created {header.created}): "
                                f"{exc.detail}") from None


def check_start(header: Header, origin: str, entries: list[Any], number: int) -> None:
    """InvalidInput unless an origin's first page starts where the signed ``since`` says."""
    after = header.since.get(origin, 0)
    start = first_seq(entries, after)
    if start != after + 1:
        raise InvalidInput(f"line {number}: {origin}'s entries start at seq {start}, but the "
                           f"signed header says since {origin}={after}")


def page_origin(page: Any, number: int) -> str:
    """The origin of line ``number`` of a bundle; InvalidInput unless it is a feed page."""
    if not isinstance(page, dict) or not members.is_member(page.get("origin")) or not isinstance(
            page.get("entries"), list):
        raise InvalidInput(f"line {number} of the bundle is not a feed page")
    return page["origin"]


def first_seq(entries: list[Any], held: int) -> int:
    """The seq the page starts at, as its first entry claims (held + 1 if it claims none)."""
    if not entries or not isinstance(entries[0], dict):
        return held + 1
    record = entries[0].get("record")
    seq = record.get("seq") if isinstance(record, dict) else entries[0].get("seq")
    return seq if type(seq) is int and seq >= 1 else held + 1


@dataclass
class LogProof:
    """What was verified of one origin's log: its entries at seqs ``first``..``last`` (none
    when ``last`` < ``first``), how many were full records and placeholders, and the seq of
    the newest signed checkpoint (which the chain reaches when there are entries)."""

    origin: str
    first: int
    last: int
    records: int = 0
    placeholders: int = 0
    checkpoint: int = 0


@dataclass
class BundleProof:
    """A bundle found sound: its header and, per origin in the order met, its log's proof."""

    header: Header
    logs: list[LogProof] = field(default_factory=list)


@dataclass
class _Chain:
    """One origin's chain while its pages are read: the proof so far, the head after its
    ``last`` seq (None: not held here), and the checkpoints' heads still to reach, by seq."""

    proof: LogProof
    head: str | None
    pending: dict[int, str] = field(default_factory=dict)


def verify_bundle(session: Session, lines: Iterable[Any]) -> BundleProof:
    """Verify a bundle's header signature, records, placeholders, chains and checkpoints
    against the trust registry held in ``session``; raise VerificationError on the first
    that fails.

    A key record verified in the bundle applies as it would on import (later records may be
    signed with the key it announces), in ``session`` only: the session is rolled back, so
    nothing is kept. A malformed line raises InvalidInput.
    """
    stream = iter(lines)
    header = read_header(next(stream, None))
    chains: dict[str, _Chain] = {}
    try:
        registry = TrustRegistry.load(session)
        for number, page in enumerate(stream, 2):
            origin = page_origin(page, number)
            if origin not in chains:
                check_start(header, origin, page["entries"], number)
            registry = _verify_page(session, registry, chains, origin, page, number)
        verify_header(registry, header)  # with the keys the bundle announces, as on import
    finally:
        session.rollback()
    for chain in chains.values():
        log = chain.proof
        if chain.pending and log.last >= log.first:
            raise VerificationError("short_of_checkpoint", f"{log.origin}'s entries end at "
                                    f"seq {log.last}, before its checkpoint at seq "
                                    f"{min(chain.pending)}: the chain cannot be checked "
                                    "against it")
    return BundleProof(header, [chain.proof for chain in chains.values()])


def _verify_page(session: Session, registry: TrustRegistry, chains: dict[str, _Chain],
                 origin: str, page: dict[str, Any], number: int) -> TrustRegistry:
    """Check one page against the chain so far; return the registry for the next page.

    The checkpoint is checked after the page's entries: it may be signed with a key that a
    key record among them announced (the origin rotated its key).
    """
    if page.get("checkpoint") is None:
        raise VerificationError("no_checkpoint", f"line {number} ({origin}) has no signed "
                                "checkpoint: its entries cannot be anchored")
    entries = page["entries"]
    chain = chains.get(origin)
    if chain is None:  # from the seq its first entry claims (seq 1 if it claims none)
        first = first_seq(entries, 0)
        chain = chains[origin] = _Chain(LogProof(origin, first, first - 1), head_at(
            session, origin, first - 1) if first <= _LAST_SEQ else None)
    log = chain.proof
    heads = {} if chain.head is None else {log.last: chain.head}
    for entry in entries:
        seq, full = log.last + 1, not is_placeholder(entry)
        if not full:
            _check_placeholder(entry, origin, seq)
            hash_hex = entry_hash(entry)
        else:
            record = checked_shape(entry)
            if (record["origin"], record["seq"]) != (origin, seq):
                raise VerificationError("seq_gap", f"{record['origin']} seq {record['seq']} "
                                        f"where {origin} seq {seq} was due (line {number})")
            hash_hex = entry_hash(record_stub(record, jws.record_hash(
                registry.verify_record(record, entry["jws"]))))
            if record["type"] in TRUST_TYPES:  # later records may be signed with its keys
                apply_trust_record(session, record)
                registry = TrustRegistry.load(session)
        if chain.head is None:
            raise VerificationError("unanchored", f"{origin}'s entries start at seq "
                                    f"{log.first} and this node holds no head at seq "
                                    f"{log.first - 1}: import the earlier bundle first")
        chain.head = heads[seq] = jws.next_head(chain.head, hash_hex)
        log.last, log.records, log.placeholders = (seq, log.records + full,
                                                   log.placeholders + (not full))
        if chain.pending.pop(seq, chain.head) != chain.head:  # an earlier page's checkpoint
            raise _mismatch(origin, seq)
    checkpoint = verified_checkpoint(registry, page["checkpoint"], origin)
    fork = conflicting_checkpoint(session, checkpoint)
    if fork is not None:
        raise Equivocated(fork, checkpoint)
    if log.last > checkpoint.seq:
        raise VerificationError("beyond_checkpoint", f"{origin} seq {checkpoint.seq + 1} is "
                                f"past the checkpoint at {checkpoint.seq} (line {number})")
    if checkpoint.seq in heads:
        if heads[checkpoint.seq] != checkpoint.head:
            raise _mismatch(origin, checkpoint.seq)
    elif checkpoint.seq > log.last:  # to be reached by a later page
        if chain.pending.setdefault(checkpoint.seq, checkpoint.head) != checkpoint.head:
            raise VerificationError("equivocation", f"{origin} signed two heads for seq "
                                    f"{checkpoint.seq} (line {number})")
    else:  # behind the entries read: the chain held here decides
        check_against_chain(session, checkpoint)
    log.checkpoint = max(log.checkpoint, checkpoint.seq)
    return registry


def _mismatch(origin: str, seq: int) -> VerificationError:
    return VerificationError("chain_mismatch", f"{origin}'s chain at seq {seq} does not reach "
                             "the head its checkpoint signs")


def _check_placeholder(entry: dict[str, Any], origin: str, seq: int) -> None:
    """Raise unless a placeholder is a stub of ``origin``'s ``seq``."""
    checked_stub(entry)
    if entry["origin"] != origin or type(entry["seq"]) is not int or entry["seq"] != seq:
        raise VerificationError("seq_gap", f"a placeholder for {entry['origin']} seq "
                                f"{entry['seq']!r} where {origin} seq {seq} was due")
