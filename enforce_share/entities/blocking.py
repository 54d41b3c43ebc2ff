"""Blocking: the pairs worth scoring, from shared keys, never all pairs.

Two actors become candidates when they share a registry number, a contact (phone, email,
host), a name run together, a rare name word, or the numbers of an address in one country.
A name word shared by more than ``MAX_WORD_BLOCK`` actors is too common to say anything
(``trade``, ``group``): it pairs nobody, so the cost stays near-linear.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

from .profile import Profile

MAX_WORD_BLOCK = 60
MAX_BLOCK = 2000  # a key more actors share is a data error (a placeholder number...)


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


def candidate_pairs(actors: Sequence[Profile]) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of actors that share a usable key."""
    blocks: defaultdict[str, list[int]] = defaultdict(list)
    for index, actor in enumerate(actors):
        for key in keys(actor):
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        limit = MAX_WORD_BLOCK if key.startswith("w:") else MAX_BLOCK
        if 1 < len(members) <= limit:
            pairs.update(combinations(members, 2))
    return pairs
