"""What resolution compares of an actor record: its names, numbers, places, kind."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..search.names import skeleton
from .identifiers import REGISTRATION, mail_domain, normalise
from .names import HAN, name_words, word_keys

_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Profile:
    """An actor record reduced to comparable parts."""

    id: str
    kind: str
    names: tuple[str, ...]  # Latin spellings, legal forms dropped
    parts: tuple[tuple[tuple[str, str], ...], ...]  # per name, its words' (spelling, skeleton)
    spelt: frozenset[str]  # each name's spelling keys run together
    native: frozenset[str]  # the same of its names written in Han characters
    words: frozenset[str]  # skeletons of the names' words
    joined: frozenset[str]  # skeleton of each name run together
    registration: dict[str, frozenset[str]]  # scheme -> normalised values
    contacts: frozenset[str]  # "phone:+7...", "email:...", "host:..."
    countries: frozenset[str]
    address_numbers: frozenset[str]  # house, office and postal numbers of its addresses


def profile(record_id: str, body: dict[str, Any]) -> Profile:
    """The profile of an actor record's body."""
    spellings = [body["name"], *(alias["name"] for alias in body.get("aliases", ()))]
    kind = body["kind"]
    names = tuple(dict.fromkeys(
        name for name in (" ".join(name_words(spelt, kind)) for spelt in spellings) if name))
    countries = {*body.get("countries", ()),
                 *(a["country"] for a in body.get("addresses", ()) if "country" in a)}
    home = next(iter(sorted(countries)), None)
    registration: dict[str, set[str]] = {}
    contacts: set[str] = set()
    for identifier in body.get("identifiers", ()):
        scheme = identifier["scheme"]
        value = normalise(scheme, identifier["value"], home)
        if value is None:
            continue
        if scheme in REGISTRATION:
            registration.setdefault(scheme, set()).add(value)
        else:
            contacts.add(f"{scheme}:{value}")
            domain = mail_domain(value) if scheme == "email" else (
                value if scheme == "website" else None)
            if domain:
                contacts.add(f"host:{domain}")
    numbers = {number for address in body.get("addresses", ())
               for number in _NUMBER.findall(address["text"])}
    parts = tuple(dict.fromkeys(word_keys(name) for name in names))
    native = frozenset(_spelt(word_keys(" ".join(name_words(spelt, kind))))
                       for spelt in spellings if HAN.search(spelt))
    return Profile(
        id=record_id, kind=kind, names=names, parts=parts,
        spelt=frozenset(_spelt(part) for part in parts), native=native - {""},
        words=frozenset(skeleton(word) for name in names for word in name.split()) - {""},
        joined=frozenset(skeleton(name.replace(" ", "")) for name in names) - {""},
        registration={scheme: frozenset(values) for scheme, values in registration.items()},
        contacts=frozenset(contacts), countries=frozenset(countries),
        address_numbers=frozenset(numbers),
    )


def _spelt(part: tuple[tuple[str, str], ...]) -> str:
    return "".join(spelling for spelling, _ in part)
