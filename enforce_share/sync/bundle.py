"""Offline exchange: a partner's feed pages written to a file, applied on import as a pull.

A bundle is the header ``{"bundle", "from", "for", "created"}`` followed by feed pages exactly
as this node's feed serves them to the ``for`` partner. Import cuts each page to what a pull
would ask for (the entries after the seq held) and applies it with the puller's own
``apply_page``: the same checks, quarantine and blocking, with ``from`` as the peer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import timestamp
from ..errors import InvalidInput, VerificationError
from ..partners import Partner
from ..records.models import Checkpoint, LogHead
from ..schemas.fields import AGENCIES
from .feed import feed_page
from .puller import PAGE, Outcome, apply_page, resume_point

FORMAT = "enforce-share/1"
HEADER_KEYS = {"bundle", "from", "for", "created"}


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
        if origin not in AGENCIES or not seq.strip().isdigit() or origin in since:
            raise InvalidInput(f"{spec!r}: expected ORIGIN=SEQ[,ORIGIN=SEQ...] with "
                               f"origins among {', '.join(AGENCIES)}, each once")
        since[origin] = int(seq)
    return since


def export_bundle(session: Session, exporter: str, recipient: str, since: Mapping[str, int],
                  write: Callable[[dict[str, Any]], None], limit: int = PAGE) -> list[Span]:
    """Write the header, then every log held here (but the recipient's) as served to it."""
    if session.get(Partner, recipient) is None:
        raise InvalidInput(f"{recipient} is not a partner of this node: add it with "
                           "`enforce-share partners add` first")
    write({"bundle": FORMAT, "from": exporter, "for": recipient, "created": timestamp()})
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


def import_bundle(node: Any, lines: Iterable[Any]) -> list[Outcome]:
    """Apply a bundle's pages in order, each as the puller applies a page; one outcome a log.

    Refused whole (InvalidInput) if the header is not for this node or a line is not a page;
    a page that fails verification stops only its origin's log, as in a pull.
    """
    stream = iter(lines)
    exporter = _exporter(node, next(stream, None))
    outcomes: dict[str, Outcome] = {}
    for number, page in enumerate(stream, 2):
        origin = _page_origin(page, number)
        if origin == node.agency:  # only this node writes its log; a pull never asks for it
            continue
        outcome = outcomes.setdefault(origin, Outcome(exporter, origin))
        if outcome.error is None:
            _import_page(node, exporter, origin, page, outcome)
    return list(outcomes.values())


def _exporter(node: Any, header: Any) -> str:
    """The exporting agency named by a header meant for this node; InvalidInput otherwise."""
    if not isinstance(header, dict) or header.get("bundle") != FORMAT or set(
            header) != HEADER_KEYS or header["from"] not in AGENCIES or header[
                "for"] not in AGENCIES:
        raise InvalidInput(f"not an {FORMAT} bundle: the first line must be "
                           '{"bundle", "from", "for", "created"}')
    exporter, recipient = header["from"], header["for"]
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


def _page_origin(page: Any, number: int) -> str:
    if not isinstance(page, dict) or page.get("origin") not in AGENCIES or not isinstance(
            page.get("entries"), list):
        raise InvalidInput(f"line {number} of the bundle is not a feed page")
    return page["origin"]


def _import_page(node: Any, exporter: str, origin: str, page: dict[str, Any],
                 outcome: Outcome) -> None:
    """Cut the page to the entries after the seq held, then apply it as a pull would."""
    held, blocked = resume_point(node, exporter, origin)
    outcome.held = held
    if blocked is not None:
        outcome.error = blocked
        return
    entries = page["entries"]
    start = _first_seq(entries, held)
    if start > held + 1:  # a later bundle than this node has: nothing stored, nothing blamed
        outcome.error = (f"the bundle starts at seq {start} but this node holds up to {held}: "
                         "import the earlier bundle first")
        return
    fresh = {**page, "entries": entries[held + 1 - start:]}
    if not fresh["entries"] and (page.get("checkpoint") is None
                                 or _checkpoint_held(node, origin, page["checkpoint"])):
        return  # everything already held: importing again changes nothing
    try:
        progress = apply_page(node, exporter, origin, held, fresh)
    except VerificationError as exc:
        outcome.error = f"{exc.reason}: {exc.message}"
        return
    outcome.stored += progress.stored
    outcome.placeholders += progress.placeholders
    outcome.upgraded += progress.upgraded
    outcome.held = progress.heads.get(origin, (held, ""))[0]


def _first_seq(entries: list[Any], held: int) -> int:
    """The seq the page starts at, as its first entry claims (held + 1 if it claims none)."""
    if not entries or not isinstance(entries[0], dict):
        return held + 1
    record = entries[0].get("record")
    seq = record.get("seq") if isinstance(record, dict) else entries[0].get("seq")
    return seq if type(seq) is int and seq >= 1 else held + 1


def _checkpoint_held(node: Any, origin: str, signed: Any) -> bool:
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
