"""Scoring a candidate pair: features an analyst can read, and one score from them.

Evidence, strongest first: a registry number both give (the same: match; different, and not
one keying slip apart: no match), then names (the best likeness of any two spellings, across
scripts), then contacts and address numbers shared, countries in common, the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..search.names import similarity
from .identifiers import one_keying_error
from .profile import Profile

THRESHOLD = 0.7


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


def compare(a: Profile, b: Profile) -> Match:
    """Score the pair ``a``, ``b``."""
    agree, conflict, slip = _registration(a, b)
    name = max((similarity(x, y) for x in a.names for y in b.names), default=0.0)
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
