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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .identifiers import one_keying_error
from .profile import Profile

THRESHOLD = 0.7
FEATURES = ("name", "registration_agrees", "registration_conflicts", "registration_slips",
            "contacts_shared", "address_overlap", "countries_shared", "same_kind")
_AGREES, _CONFLICTS = FEATURES.index("registration_agrees"), FEATURES.index(
    "registration_conflicts")
SKELETON_ONLY = 0.6  # credit for a word whose skeleton alone agrees with the other's
INITIAL = 0.5  # credit, and weight, of a person's initial ("N." for "Nikolay")
NATIVE_DIFFER = 0.5  # name likeness at most, when names in Han characters differ


@dataclass(frozen=True, slots=True)
class Match:
    """A scored pair of actor records and why it scored so.

    An index holds one per candidate pair, hundreds of thousands: the features are kept as
    a tuple in ``FEATURES`` order (lists as tuples) and shown as a dict on demand.
    """

    a: str
    b: str
    score: float
    values: tuple[Any, ...]

    @property
    def features(self) -> dict[str, Any]:
        """What the score was made of, by name (as the API shows it)."""
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in zip(FEATURES, self.values, strict=True)}

    @property
    def accepted(self) -> bool:
        return self.score >= THRESHOLD

    @property
    def apart(self) -> bool:
        """Registry numbers that conflict: never one cluster, however others chain them."""
        return bool(self.values[_CONFLICTS] and not self.values[_AGREES])

    def pack(self) -> tuple[Any, ...]:
        """The match as plain values, quick to pickle (see ``unpack``)."""
        return (self.a, self.b, self.score, self.values)

    @classmethod
    def unpack(cls, packed: Sequence[Any]) -> Match:
        return cls(*packed)


class Rarity:
    """How rare each name word is among a set of actors (inverse document frequency)."""

    def __init__(self, actors: Iterable[Profile] = ()) -> None:
        self._counts: Counter[str] = Counter()
        self._total = 0
        self._weights: dict[str, float] = {}  # cleared as counts change
        for actor in actors:
            self.add(actor)

    def add(self, actor: Profile) -> None:
        """Count one more actor's words."""
        self._counts.update(actor.words)
        self._total += 1
        self._weights.clear()

    def weight(self, word: str) -> float:
        """The weight of a word's skeleton (one letter, an initial: ``INITIAL``)."""
        weight = self._weights.get(word)
        if weight is None:
            weight = self._weights[word] = INITIAL if len(word) == 1 else math.log(
                (self._total + 1) / (self._counts.get(word, 0) + 1)) + 0.1
        return weight

    def of(self, name: Sequence[tuple[str, str]]) -> tuple[float, ...]:
        """The weight of each word of a name, as ``Profile.parts`` holds it."""
        return tuple(self.weight(key) for _, key in name)


def name_likeness(a: Profile, b: Profile, rarity: Rarity) -> float:
    """The best likeness of two of their names, 0 to 1 (rare words weigh more).

    Names both give in Han characters decide alone: the characters leave no room for
    spelling, so the same name is the name (1) and a different one is another company or
    person, however alike the romanisations ("Jie Xin" / "Xin Jie", 捷信 / 信捷): at most
    ``NATIVE_DIFFER``.
    """
    if a.native and b.native:
        if a.native & b.native:
            return 1.0
        return min(_romanised_likeness(a, b, rarity), NATIVE_DIFFER)
    return _romanised_likeness(a, b, rarity)


def _romanised_likeness(a: Profile, b: Profile, rarity: Rarity) -> float:
    if a.spelt & b.spelt:
        return 1.0
    person = a.kind == b.kind == "person"
    ours = [(name, rarity.of(name)) for name in a.parts]
    theirs = [(name, rarity.of(name)) for name in b.parts]
    return round(max((_word_overlap(name, weights, other, other_weights, person)
                      for name, weights in ours for other, other_weights in theirs),
                     default=0.0), 4)


def _word_overlap(ours: Sequence[tuple[str, str]], ours_weights: Sequence[float],
                  theirs: Sequence[tuple[str, str]], theirs_weights: Sequence[float],
                  person: bool) -> float:
    """How much of two names' word weight they share, 0 to 1.

    A word counts whole when the spellings agree (alone, or as two adjacent words of the
    other name: "Hai Chuang" / "Haichuang"), by ``SKELETON_ONLY`` when only skeletons of three
    letters or more agree (a translation, "Treyd" / "Trade", or a namesake, "Marrix" /
    "Merrix"; not "Hai" / "Hao"), and a person's
    initial by ``INITIAL`` for a name it begins. The shared weight is taken over the weight of
    both names' words (weighted Jaccard: a word either name lacks counts against), except
    that a person's name found whole, two words or more, in the other is alike (a
    patronymic left out costs nothing).
    """
    left = list(theirs)
    shared = found = 0.0
    ours_weight = 0.0
    index = 0
    while index < len(ours):
        spelling, key = ours[index]
        pair = spelling + ours[index + 1][0] if index + 1 < len(ours) else None
        credit, width, theirs_used = 0.0, 1, 1
        for at, (other, other_key) in enumerate(left):
            if other == spelling:
                credit = 1.0
            elif pair and other == pair:
                credit, width = 1.0, 2
            elif at + 1 < len(left) and other + left[at + 1][0] == spelling:
                credit, theirs_used = 1.0, 2
            elif other_key == key and len(key) >= 3:
                credit = SKELETON_ONLY
            elif person and len(spelling) == 1 and other.startswith(spelling):
                credit = INITIAL
            elif person and len(other) == 1 and spelling.startswith(other):
                credit = INITIAL
            else:
                continue
            del left[at:at + theirs_used]
            break
        for weight in ours_weights[index:index + width]:
            ours_weight += weight
            shared += credit * weight
        found += width if credit else 0
        index += width
    theirs_weight = sum(theirs_weights)
    total = ours_weight + theirs_weight - shared
    if not total:
        return 0.0
    jaccard = min(shared / total, 1.0)
    if not (found == len(ours) or not left):
        return jaccard
    contained = min(shared / min(ours_weight, theirs_weight), 1.0)  # one name in the other
    if person:
        return contained if found >= 2 else jaccard
    return (jaccard + contained) / 2


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
    return Match(a.id, b.id, _score(features, a, b), tuple(
        tuple(value) if isinstance(value, list) else value
        for value in (features[name] for name in FEATURES)))


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
    score = (0.9 if name >= 0.95 else 0.75 if name >= 0.9 else 0.55 if name >= 0.8
             else 0.45 if name >= 0.6 else 0.2)
    if features["registration_slips"]:
        score += 0.15
    kinds = {contact.split(":", 1)[0] for contact in features["contacts_shared"]}
    score += 0.15 * len(kinds & {"phone", "email"}) + 0.1 * bool(kinds - {"phone", "email"})
    if features["address_overlap"] is not None:
        score += 0.15 if features["address_overlap"] >= 0.6 else -0.25
    if a.countries and b.countries and not features["countries_shared"]:
        score -= 0.4
    return round(max(0.0, min(score, 0.98)), 4)
