"""Record drafts: what a writer supplies before the node numbers, dates and signs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..clock import timestamp

#: Protocol 2's key records: an online key announcing or retiring keys (before a root).
KEY_TYPES = frozenset({"key", "key_revocation"})
#: Records whose body is a statement signed by root keys (``signing.roots``).
STATEMENT_TYPES = frozenset({"root", "disavowal", "membership"})
#: Types whose records change the trust registry or the membership: a verifier applies
#: each before checking the records after it.
TRUST_TYPES = KEY_TYPES | STATEMENT_TYPES
#: Types only the node itself writes (trust, and the anchors of its audit trail), always
#: marked public: every member, also one admitted later, must be able to hold them.
RESERVED_TYPES = TRUST_TYPES | {"audit_anchor"}
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
