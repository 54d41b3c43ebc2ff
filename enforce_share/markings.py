"""TLP 2.0 markings and releasability: the one place that decides who may see a record.

It also holds the TLP levels and imports nothing of the project but ``members`` (the one home
of the member agencies' codes), so every layer, down to ``config``, can take them from here.

Rules (FIRST TLP 2.0): ``red`` never leaves the origin agency's node; any other level may go
to an agency listed in ``releasable_to`` and to no other; ``clear`` may also be published.
Users of a node see what their agency may: its own records, and others' released to it.
Unknown levels release nothing (fail closed). Every output (record reads and lists, search,
feed, bundles, exports, briefs, graphs) asks this module, through these functions or the
``audience`` bit mask stored with each record for SQL filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import members

#: TLP levels, least to most restrictive.
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")
SHAREABLE = frozenset(TLP_ORDER[:-1])


def public_marking() -> dict[str, Any]:
    """The marking of what a node writes of itself (key and root records, audit anchors):
    public, released to every member, so any partner may hold it."""
    return {"tlp": "clear", "releasable_to": list(members.codes())}


def releasable(tlp: str, releasable_to: Iterable[str], agency: str) -> bool:
    """Whether a record marked ``tlp`` / ``releasable_to`` may be given to ``agency``'s node."""
    return tlp in SHAREABLE and agency in set(releasable_to)


def given_to(tlp: str, releasable_to: Iterable[str], agency: str, *, reserved: bool) -> bool:
    """Whether a record so marked goes to ``agency``'s node in full (feed, bundle).

    As :func:`releasable`; and a record a node wrote of itself (``reserved``: its keys,
    roots, disavowals, membership statements, audit anchors), which is always marked clear,
    goes to every member, whatever members its list names: a member admitted later needs its
    partners' keys and roots to verify anything they wrote.
    """
    if reserved and tlp == "clear":
        return members.is_member(agency)
    return releasable(tlp, releasable_to, agency)


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
    """The bit of ``agency`` in an audience mask: its place among the members (ValueError
    for a code that is no member's)."""
    return 1 << members.codes().index(agency)


def audience(tlp: str, releasable_to: Iterable[str]) -> int:
    """The member agencies a record may be given to, as a bit mask (0: none but its
    origin). A code not (yet) a member's has no bit: ``members`` admitting it means the
    masks of records naming it are made again (``records.audience``)."""
    if tlp not in SHAREABLE:
        return 0
    codes = members.codes()
    return sum(1 << codes.index(agency) for agency in set(releasable_to) if agency in codes)


def combined(markings: Iterable[tuple[str, Iterable[str]]]) -> tuple[str, list[str]]:
    """The marking of an output derived from records so marked: the most restrictive TLP,
    releasable to the agencies every record is releasable to (nothing used: clear, all)."""
    level, agencies = 0, set(members.codes())
    for tlp, releasable_to in markings:
        level = max(level, TLP_ORDER.index(tlp) if tlp in TLP_ORDER else len(TLP_ORDER) - 1)
        agencies &= set(releasable_to)
    return TLP_ORDER[level], members.named(agencies)
