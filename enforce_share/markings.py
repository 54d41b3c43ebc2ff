"""TLP 2.0 markings and releasability: the one place that decides who may receive a record.

Rules (FIRST TLP 2.0): ``red`` never leaves the origin agency's node; any other level may go
to an agency listed in ``releasable_to`` and to no other. Unknown levels release nothing
(fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable

#: TLP levels, least to most restrictive.
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")
SHAREABLE = frozenset(TLP_ORDER[:-1])


def releasable(tlp: str, releasable_to: Iterable[str], agency: str) -> bool:
    """Whether a record marked ``tlp`` / ``releasable_to`` may be given to ``agency``'s node."""
    return tlp in SHAREABLE and agency in set(releasable_to)
