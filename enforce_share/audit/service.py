"""The audit trail as the API and the CLI read it, each in one session of the node."""

from __future__ import annotations

from typing import Any

from ..node import Node
from . import trail

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


def verify_audit(node: Node) -> trail.Verdict:
    """The hash chain recomputed: how many entries hold, and the first problem if any."""
    with node.reading() as session:
        return trail.verify(session)
