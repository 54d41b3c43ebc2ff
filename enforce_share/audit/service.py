"""The audit trail as the API and the CLI read it, each in one session of the node."""

from __future__ import annotations

from typing import Any

from ..node import Node
from . import trail


def audit_entries(node: Node, **filters: Any) -> list[dict[str, Any]]:
    """Entries newest first, as dicts (``trail.entries``' filters: actor, record, since,
    until, before, limit)."""
    with node.reading() as session:
        return [trail.as_dict(entry) for entry in trail.entries(session, **filters)]


def verify_audit(node: Node) -> trail.Verdict:
    """The hash chain recomputed: how many entries hold, and the first problem if any."""
    with node.reading() as session:
        return trail.verify(session)
