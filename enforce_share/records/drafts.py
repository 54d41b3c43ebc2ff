"""Record drafts: what a writer supplies before the node numbers, dates and signs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..clock import timestamp

#: Types whose records change the trust registry; only `keys` commands write them.
KEY_TYPES = frozenset({"key", "key_revocation"})
#: Types only the node itself writes (its keys, and the anchors of its audit trail).
RESERVED_TYPES = KEY_TYPES | {"audit_anchor"}
#: Types a withdrawal may not target: what the node wrote of itself, and withdrawals.
UNWITHDRAWABLE = RESERVED_TYPES | {"withdrawal"}


@dataclass(frozen=True)
class Draft:
    """An unsigned record: type, marking and body (and what it supersedes)."""

    type: str
    marking: dict[str, Any]
    body: dict[str, Any]
    supersedes: str | None = None
    id: str | None = None

    def envelope(self, origin: str, seq: int) -> dict[str, Any]:
        """The complete record for ``origin`` at ``seq``, created now."""
        return {
            "id": self.id or str(uuid.uuid4()),
            "type": self.type,
            "origin": origin,
            "seq": seq,
            "created": timestamp(),
            "supersedes": self.supersedes,
            "marking": self.marking,
            "body": self.body,
        }
