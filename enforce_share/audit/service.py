"""The audit trail as the API and the CLI read it, each in one session of the node."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..adapters.peer_http import PeerUnavailable
from ..clock import parse_timestamp, timestamp
from ..errors import VerificationError
from ..node import Node
from ..signing.trust import TrustRegistry
from ..sync.checkpoints import verified_checkpoint
from . import anchors, trail

#: What an administrator reads in place of each query parameter's value.
WITHHELD = "(withheld)"


def audit_entries(node: Node, *, withhold_queries: bool = False,
                  **filters: Any) -> list[dict[str, Any]]:
    """Entries newest first, as dicts (``trail.entries``' filters: actor, record, since,
    until, before, limit). ``withhold_queries``: each query parameter by name only, its
    value withheld (what an administrator reads: the terms an analyst searched for are
    intelligence); the trail keeps them whole."""
    with node.reading() as session:
        found = [trail.as_dict(entry) for entry in trail.entries(session, **filters)]
    if withhold_queries:
        for entry in found:
            query = entry["target"].get("query") if isinstance(entry["target"], dict) else None
            if isinstance(query, dict):
                entry["target"]["query"] = {name: [WITHHELD] for name in query}
    return found


def audit_page(node: Node, query: dict[str, Any]) -> dict[str, Any]:
    """What an administrator reads (``/api/v1/audit`` and the audit page): the entries of
    ``query`` (``AuditQuerySchema``'s: user, record, since, until, before, limit), newest
    first, each query's values withheld, and the ``before`` of the next page."""
    query = dict(query)
    for bound in ("since", "until"):  # one text form, so that comparing text compares time
        if bound in query:
            query[bound] = timestamp(parse_timestamp(query[bound]))
    limit, actor = query.pop("limit"), query.pop("user", None)
    rows = audit_entries(node, actor=actor, limit=limit + 1, withhold_queries=True, **query)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": rows[-1]["seq"] if more else None}


def verify_audit(node: Node) -> tuple[trail.Verdict, int]:
    """The hash chain recomputed and held against the heads anchored in the node's log: the
    verdict (entries that hold, the first problem if any) and how many anchors there are."""
    with node.reading() as session:
        held = anchors.anchors(session, node.agency)
        verdict = trail.verify(session, {anchor.audit_head for anchor in held})
    if verdict.problem is None:
        verdict = replace(verdict, problem=anchors.unreached(held, verdict.reached))
    return verdict, len(held)


@dataclass(frozen=True)
class Witness:
    """What one partner holds of this node's log: its latest checkpoint's seq, and whether
    the log here still reaches it (``problem`` None), or why it could not be asked."""

    partner: str
    seq: int | None
    problem: str | None
    asked: bool = True


def witnesses(node: Node) -> list[Witness]:
    """Ask each partner for the checkpoint of this node's log it holds, and recompute the
    log here to its seq: a log rewritten at the node (its anchors with it) no longer does."""
    found = []
    for peer in node.peers():
        try:
            signed = peer.checkpoint(node.agency)
        except PeerUnavailable as exc:
            found.append(Witness(peer.agency, None, str(exc), asked=False))
            continue
        finally:
            peer.close()
        with node.reading() as session:
            try:
                checkpoint = verified_checkpoint(TrustRegistry.load(session), signed,
                                                 node.agency)
            except VerificationError as exc:
                found.append(Witness(peer.agency, None, f"its checkpoint does not verify: "
                                     f"{exc}"))
                continue
            head = anchors.own_head_at(session, node.agency, checkpoint.seq)
        found.append(Witness(peer.agency, checkpoint.seq, None if head == checkpoint.head else
                             f"this node's log no longer reaches the checkpoint {peer.agency} "
                             f"holds at seq {checkpoint.seq}: it was rewritten"))
    return found
