"""The one place screening and the public list call the entity matcher (entities/).

Screening compares a party with actor records and list entries exactly as resolution
compares two actor records: the same profile of an actor-shaped body, the same blocking
keys, the same score and threshold. When the matcher's API changes, this module changes,
and nothing else of screening or the public list does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..entities.blocking import MAX_BLOCK, MAX_WORD_BLOCK, candidate_pairs, keys
from ..entities.profile import Profile, profile
from ..entities.scoring import THRESHOLD, Match, Rarity, compare

__all__ = ["ACCEPT", "Match", "Profile", "Rarity", "blocking_keys", "may_share", "pairs",
           "profile_of", "score", "shared_identifiers", "usable"]

#: A match at least this strong is the same entity (as resolution accepts it).
ACCEPT = THRESHOLD


def profile_of(name: str, body: dict[str, Any]) -> Profile:
    """The profile of an actor-shaped body (a screened party, a list entry, a record)."""
    return profile(name, body)


def blocking_keys(found: Profile) -> set[str]:
    """The keys under which candidates of ``found`` are blocked."""
    return keys(found)


def usable(key: str, members: int) -> bool:
    """Whether a block of ``members`` actors under ``key`` is small enough to say something
    (a name word more than 60 actors share, ``trade``, pairs nobody)."""
    return members <= (MAX_WORD_BLOCK if key.startswith("w:") else MAX_BLOCK)


def score(a: Profile, b: Profile, rarity: Rarity | None = None) -> Match:
    """The scored match of ``a`` and ``b``, with the features that explain it."""
    return compare(a, b, rarity)


def pairs(profiles: Sequence[Profile]) -> set[tuple[int, int]]:
    """Index pairs of ``profiles`` worth scoring (shared blocking keys)."""
    return candidate_pairs(profiles)


def may_share(a: Profile, b: Profile) -> bool:
    """Whether two profiles hold a registry number, a contact or two address numbers in
    common (cheaper than scoring them: see ``shared_identifiers`` for what they share)."""
    return bool(a.contacts & b.contacts or len(a.address_numbers & b.address_numbers) >= 2
                or any(values & b.registration.get(scheme, frozenset())
                       for scheme, values in a.registration.items()))


def shared_identifiers(match: Match) -> list[str]:
    """What the two sides share that identifies (registry numbers, phone, email, host, most
    of an address's numbers), whatever their names: evidence of a connection."""
    features = match.features
    shared = [f"registration:{scheme}" for scheme in features["registration_agrees"]]
    shared += list(features["contacts_shared"])
    if (features["address_overlap"] or 0) >= 0.6:
        shared.append("address")
    return shared
