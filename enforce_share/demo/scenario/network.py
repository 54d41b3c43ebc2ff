"""Procurement networks: an end user, front companies, forwarders, payers, directors, vessels.

A network is what several agencies investigate at once; each agency knows only some of its
members, and reports those under its own spelling. Which members an agency may report is
decided when the network is made, so no entity is reported by more than four agencies.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from enforce_share.members import FOUNDING

from .bodies import iso
from .entities import (
    LISTS,
    Entity,
    namesake_of,
    new_company,
    new_director,
    new_vessel,
)
from .places import DESTINATIONS, HOME, HUBS, REEXPORTERS
from .registrar import Registrar
from .spelling import Weighted

#: Agencies by how much of the scenario's reporting they do.
AGENCY_WEIGHTS = Weighted([("USA", 35), ("GBR", 22), ("CAN", 16), ("AUS", 17), ("NZL", 10)])
_INVESTIGATORS = Weighted([(1, 35), (2, 30), (3, 20), (4, 15)])


@dataclass(eq=False)
class Network:
    """One procurement network, the agencies investigating it, and what they reported of it."""

    agencies: list[str]
    destination: str
    members: list[Entity]
    exporters: dict[str, Entity] = field(default_factory=dict)  # one supplier per agency
    violations: list[tuple[str, str, dict]] = field(default_factory=list)  # agency, id, marking
    asserted: set[tuple[str, str, str]] = field(default_factory=set)  # links made: from, to, rel

    def known_to(self, agency: str) -> list[Entity]:
        """Members ``agency`` may report (companies first, as they were made)."""
        return [member for member in self.members if agency in member.reporters]


def investigators(rng: random.Random) -> list[str]:
    """One to four agencies, the lead first."""
    count = _INVESTIGATORS.pick(rng)
    chosen: list[str] = []
    while len(chosen) < count:
        agency = AGENCY_WEIGHTS.pick(rng)
        if agency not in chosen:
            chosen.append(agency)
    return chosen


def new_network(
    rng: random.Random, ents: Iterator[str], recent: dict[str, deque[Entity]], today: date,
    registrar: Registrar,
) -> Network:
    """A fresh network; ``recent`` holds earlier front companies per country (near-namesakes)."""
    agencies = investigators(rng)
    destination = DESTINATIONS.pick(rng)
    end_user = new_company(next(ents), destination, "end_user", destination, rng,
                           registrar)
    if rng.random() < 0.35:  # already listed before this network surfaced
        for agency in rng.sample(FOUNDING.codes, rng.randint(1, 3)):
            end_user.listings.append({"list": LISTS[agency], "date": iso(date(
                rng.randint(2022, today.year), rng.randint(1, 12), rng.randint(1, 28)))})
    members = [end_user]
    hubs = [HUBS.pick(rng) for _ in range(rng.choice((1, 1, 2)))]
    for index in range(rng.choice((1, 2, 2, 3))):
        code = hubs[index % len(hubs)]
        earlier = recent.setdefault(code, deque(maxlen=40))
        if earlier and rng.random() < 0.12:  # a namesake of another network's front company
            front = namesake_of(next(ents), rng.choice(earlier), rng, registrar)
        else:
            front = new_company(next(ents), code, "intermediary", destination, rng,
                                registrar)
        earlier.append(front)
        members.append(front)
    if rng.random() < 0.3:  # the same operator registers a near-namesake next door
        members.append(namesake_of(next(ents), members[1], rng, registrar))
    if rng.random() < 0.6:
        members.append(new_company(next(ents), rng.choice(hubs), "freight_forwarder",
                                   destination, rng, registrar))
    if rng.random() < 0.25:
        code = rng.choice(("AE", "HK", "TR", "KG", hubs[0]))
        members.append(new_company(next(ents), code, "financier", destination, rng,
                                   registrar))
    for company in list(members):
        if company.kind == "company" and rng.random() < (0.2 if company is end_user else 0.45):
            members.append(new_director(next(ents), company, rng))
    if rng.random() < 0.08:
        members.append(new_vessel(next(ents), destination, rng))
    _assign_reporters(members, agencies, rng)
    return Network(agencies, destination, members)


def _assign_reporters(members: list[Entity], agencies: list[str], rng: random.Random) -> None:
    lead = agencies[0]
    organisations = [member for member in members if member.kind != "person"]
    for member in organisations:
        chosen = [a for a in agencies if rng.random() < (0.9 if a == lead else 0.7)]
        member.reporters = chosen or [rng.choice(agencies)]
    for agency in agencies:  # every investigator knows at least one company of the network
        if not any(agency in member.reporters for member in organisations):
            rng.choice(organisations).reporters.append(agency)
    for member in members:
        if member.employer is not None:
            member.reporters = [a for a in member.employer.reporters if rng.random() < 0.75]


def exporter(network: Network, agency: str, ents: Iterator[str], rng: random.Random,
             registrar: Registrar) -> Entity:
    """The supplier whose exports ``agency`` investigates in ``network`` (made on first use)."""
    supplier = network.exporters.get(agency)
    if supplier is None:
        code = HOME[agency] if rng.random() < 0.8 else rng.choice(REEXPORTERS)
        supplier = new_company(next(ents), code, "exporter", network.destination, rng,
                               registrar)
        supplier.reporters = [agency]
        network.exporters[agency] = supplier
    return supplier
