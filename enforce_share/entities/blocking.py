"""Blocking: the pairs worth scoring, from shared keys, never all pairs.

Two actors become candidates when they share a registry number, a contact (phone, email,
host), a name run together, a rare name word, or the numbers of an address in one country.
A name word shared by more than ``MAX_WORD_BLOCK`` actors is too common to say anything
(``trade``, ``group``): it pairs nobody. In a block larger than ``SAMPLE``, an actor is
scored against the latest ``SAMPLE`` actors before it only, so the cost stays linear however
many actors a writer gives one key.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from .profile import Profile

T = TypeVar("T")

MAX_WORD_BLOCK = 60
MAX_BLOCK = 2000  # a key more actors share is a data error (a placeholder number...)
#: An actor is scored against every actor before it in a block of at most this many, and
#: against the latest this many in a larger one: scoring costs at most this per key and
#: actor, whatever a writer floods one key with (1,900 actors sharing one phone number once
#: cost 1.8 million pairs). Chains of look-alikes still join: each matches one before it.
SAMPLE = 32


def keys(actor: Profile) -> set[str]:
    """The blocking keys of one actor."""
    found = {f"r:{scheme}:{value}" for scheme, values in actor.registration.items()
             for value in values}
    found |= {f"c:{contact}" for contact in actor.contacts}
    found |= {f"j:{joined}" for joined in actor.joined}
    found |= {f"w:{word}" for word in actor.words if len(word) >= 3 and not word.isdigit()}
    if len(actor.address_numbers) >= 2:
        for country in actor.countries:
            found.add(f"a:{country}:{','.join(sorted(actor.address_numbers))}")
    return found


def preceding(members: Sequence[T], place: int, place_of: Callable[[T], int],
              key: str) -> Sequence[T]:
    """The members of ``key``'s block (in arrival order, ``place_of`` each) that an actor
    arriving at ``place`` is scored against: those before it, the latest ``SAMPLE`` of them
    in a large block; none when the key is too common to say anything (a block of more
    than ``MAX_BLOCK``, or ``MAX_WORD_BLOCK`` for a name word)."""
    if len(members) > (MAX_WORD_BLOCK if key.startswith("w:") else MAX_BLOCK):
        return ()
    before = bisect_left(members, place, key=place_of)
    return members[max(0, before - SAMPLE):before]


def candidate_pairs(actors: Sequence[Profile]) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of actors that share a usable key (as the graph
    index scores them: ``preceding``)."""
    blocks: defaultdict[str, list[int]] = defaultdict(list)
    for index, actor in enumerate(actors):
        for key in keys(actor):
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        for index in members:
            pairs.update((other, index) for other in preceding(members, index, int, key))
    return pairs
