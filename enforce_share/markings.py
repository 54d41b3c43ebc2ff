"""TLP 2.0 markings and releasability: the one place that decides who may see a record.

It also holds the partnership's constants (agency codes, TLP levels) and imports nothing of
the project, so every layer, down to ``config``, can take them from here.

Rules (FIRST TLP 2.0): ``red`` never leaves the origin agency's node; any other level may go
to an agency listed in ``releasable_to`` and to no other; ``clear`` may also be published.
Users of a node see what their agency may: its own records, and others' released to it.
Unknown levels release nothing (fail closed). Every output (record reads and lists, search,
feed, bundles, exports, briefs, graphs) asks this module, through these functions or the
``audience`` bit mask stored with each record for SQL filters.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Partner agencies, by ISO 3166-1 alpha-3 code of their country; the order gives each its
#: bit in an audience mask.
AGENCIES: tuple[str, ...] = ("USA", "GBR", "CAN", "AUS", "NZL")
#: TLP levels, least to most restrictive.
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")
SHAREABLE = frozenset(TLP_ORDER[:-1])
#: The marking of what a node writes of itself (key announcements, audit anchors): public,
#: so any partner may hold it.
PUBLIC_MARKING = {"tlp": "clear", "releasable_to": list(AGENCIES)}


def releasable(tlp: str, releasable_to: Iterable[str], agency: str) -> bool:
    """Whether a record marked ``tlp`` / ``releasable_to`` may be given to ``agency``'s node."""
    return tlp in SHAREABLE and agency in set(releasable_to)


def covers(
    tlp: str, releasable_to: Iterable[str], target_tlp: str, target_releasable_to: Iterable[str]
) -> bool:
    """Whether a record so marked reaches every agency the target's marking released it to.

    A withdrawal or new version must: a partner holding the target would otherwise never
    receive it, and keep the target as current. A red (or unknown) target released nothing.
    """
    agencies, target_agencies = set(releasable_to), set(target_releasable_to)
    return all(releasable(tlp, agencies, agency) for agency in target_agencies
               if releasable(target_tlp, target_agencies, agency))


def visible(agency: str, origin: str, tlp: str, releasable_to: Iterable[str]) -> bool:
    """Whether users of ``agency``'s node may see a record of ``origin`` so marked."""
    return origin == agency or releasable(tlp, releasable_to, agency)


def publishable(tlp: str) -> bool:
    """Whether a record may leave the partnership (a public export): TLP:CLEAR only."""
    return tlp == "clear"


def agency_bit(agency: str) -> int:
    """The bit of ``agency`` in an audience mask (ValueError for an unknown agency)."""
    return 1 << AGENCIES.index(agency)


def audience(tlp: str, releasable_to: Iterable[str]) -> int:
    """The agencies a record may be given to, as a bit mask (0: none but its origin)."""
    if tlp not in SHAREABLE:
        return 0
    return sum(agency_bit(agency) for agency in set(releasable_to) if agency in AGENCIES)


def combined(markings: Iterable[tuple[str, Iterable[str]]]) -> tuple[str, list[str]]:
    """The marking of an output derived from records so marked: the most restrictive TLP,
    releasable to the agencies every record is releasable to (nothing used: clear, all)."""
    level, agencies = 0, set(AGENCIES)
    for tlp, releasable_to in markings:
        level = max(level, TLP_ORDER.index(tlp) if tlp in TLP_ORDER else len(TLP_ORDER) - 1)
        agencies &= set(releasable_to)
    return TLP_ORDER[level], [agency for agency in AGENCIES if agency in agencies]
