"""Scoring a candidate pair: features an analyst can read, and one score from them.

Evidence, strongest first: a registry number both give (the same: match; different, and not
one keying slip apart: no match), then names, then contacts and address numbers shared,
countries in common, the kind. Names compare word by word, each word weighted by how rare
it is among the actors resolved together (``Hong``, ``Kong``, ``International``, ``Trade``
say little; ``Tongbo`` says much), spelling variants of a word (skeletons equal, or close)
counting as the word; two names that run together to the same letters are alike.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from ..search.names import skeleton
from .identifiers import one_keying_error
from .profile import Profile

THRESHOLD = 0.7
SAME_WORD = 80  # rapidfuzz ratio at which two word skeletons (4+ letters) count as one word


@dataclass(frozen=True)
class Match:
    """A scored pair of actor records and why it scored so."""

    a: str
    b: str
    score: float
    features: dict[str, Any]

    @property
    def accepted(self) -> bool:
        return self.score >= THRESHOLD

    @property
    def apart(self) -> bool:
        """Registry numbers that conflict: never one cluster, however others chain them."""
        return bool(self.features["registration_conflicts"]
                    and not self.features["registration_agrees"])


class Rarity:
    """How rare each name word is among a set of actors (inverse document frequency)."""

    def __init__(self, actors: Iterable[Profile] = ()) -> None:
        self._counts: Counter[str] = Counter()
        self._total = 0
        for actor in actors:
            self._counts.update(actor.words)
            self._total += 1

    def weight(self, word: str) -> float:
        return math.log((self._total + 1) / (self._counts.get(word, 0) + 1)) + 0.1


def name_likeness(a: Profile, b: Profile, rarity: Rarity) -> float:
    """The best likeness of two of their names, 0 to 1 (rare words weigh more)."""
    best = 0.0
    for x in a.names:
        ours = [key for key in map(skeleton, x.split()) if key]
        for y in b.names:
            theirs = [key for key in map(skeleton, y.split()) if key]
            if "".join(ours) == "".join(theirs) and ours:
                return 1.0
            best = max(best, _word_overlap(ours, theirs, rarity))
    return round(best, 4)


def _word_overlap(ours: list[str], theirs: list[str], rarity: Rarity) -> float:
    left = list(theirs)
    matched = 0.0
    for word in ours:
        for index, other in enumerate(left):
            if word == other or (len(word) > 3 and fuzz.ratio(word, other) >= SAME_WORD):
                matched += rarity.weight(word)
                del left[index]
                break
    total = max(sum(map(rarity.weight, ours)), sum(map(rarity.weight, theirs)))
    return matched / total if total else 0.0


def compare(a: Profile, b: Profile, rarity: Rarity | None = None) -> Match:
    """Score the pair ``a``, ``b`` (word rarity from ``rarity``, else all words alike)."""
    agree, conflict, slip = _registration(a, b)
    name = name_likeness(a, b, rarity or Rarity())
    contacts = sorted(a.contacts & b.contacts)
    numbers = a.address_numbers & b.address_numbers
    address = (len(numbers) / len(a.address_numbers | b.address_numbers)
               if len(a.address_numbers) >= 2 and len(b.address_numbers) >= 2 else None)
    features = {"name": round(name, 4), "registration_agrees": agree,
                "registration_conflicts": conflict, "registration_slips": slip,
                "contacts_shared": contacts, "address_overlap": address,
                "countries_shared": sorted(a.countries & b.countries),
                "same_kind": a.kind == b.kind}
    return Match(a.id, b.id, _score(features, a, b), features)


def _registration(a: Profile, b: Profile) -> tuple[list[str], list[str], list[str]]:
    agree, conflict, slip = [], [], []
    for scheme in sorted(a.registration.keys() & b.registration.keys()):
        ours, theirs = a.registration[scheme], b.registration[scheme]
        if ours & theirs:
            agree.append(scheme)
        elif any(one_keying_error(x, y) for x in ours for y in theirs):
            slip.append(scheme)
        else:
            conflict.append(scheme)
    return agree, conflict, slip


def _score(features: dict[str, Any], a: Profile, b: Profile) -> float:
    if not features["same_kind"]:
        return 0.0
    if features["registration_conflicts"] and not features["registration_agrees"]:
        return 0.05
    if features["registration_agrees"]:
        return 0.99
    name = features["name"]
    score = 0.9 if name >= 0.95 else 0.75 if name >= 0.9 else 0.5 if name >= 0.8 else 0.2
    if features["registration_slips"]:
        score += 0.15
    score += 0.1 * min(len(features["contacts_shared"]), 2)
    if features["address_overlap"] is not None:
        score += 0.1 if features["address_overlap"] >= 0.6 else -0.1
    if a.countries and b.countries and not features["countries_shared"]:
        score -= 0.4
    return round(max(0.0, min(score, 0.98)), 4)
