"""Roles and what each may do. One table; endpoints name the roles they admit.

- ``analyst``: read and search records released to this node's agency, write records.
- ``liaison``: what an analyst may, and manage cases and export briefs.
- ``admin``: users, partners, keys, sync status and the audit trail; no intelligence (an
  administrator who must read records holds a second, analyst, account).
- ``node``: a partner node, authenticated by its HTTP message signature: the feed and
  checkpoints only.
"""

from __future__ import annotations

ANALYST, LIAISON, ADMIN, NODE = "analyst", "liaison", "admin", "node"
#: Roles a person can hold (``node`` belongs to partner nodes only).
USER_ROLES = (ANALYST, LIAISON, ADMIN)
#: The roles each role includes.
INCLUDES = {ANALYST: {ANALYST}, LIAISON: {LIAISON, ANALYST}, ADMIN: {ADMIN}, NODE: {NODE}}


def admits(held: str, allowed: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
    """Whether a principal holding ``held`` may use an endpoint open to ``allowed``."""
    return bool(INCLUDES.get(held, set()) & set(allowed))
