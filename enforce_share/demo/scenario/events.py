"""Pieces of agency work, each yielding the drafts it produces, references always backwards."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta

from . import bodies
from .entities import Entity
from .network import AGENCY_WEIGHTS, Network, exporter
from .places import HOME
from .spelling import Weighted
from .state import Open, Scenario
from .updates import update, withdrawal

Event = Callable[[Scenario], Iterator[dict]]
#: Party role in a violation for an entity's role in its network.
_PARTY_ROLE = {"freight_forwarder": "freight_forwarder", "financier": "financier",
               "vessel": "other"}
#: Relations an agency may assert between two members it reported: (from role, to role).
_RELATIONS = (("director", "employer", "director_of"), ("exporter", "intermediary", "ships_to"),
              ("intermediary", "end_user", "ships_to"),
              ("freight_forwarder", "end_user", "ships_to"), ("vessel", "end_user", "ships_to"),
              ("end_user", "intermediary", "pays"), ("financier", "exporter", "pays"),
              ("financier", "intermediary", "pays"), ("end_user", "intermediary", "owns"),
              ("end_user", "freight_forwarder", "controls"),
              ("intermediary", "namesake", "shares_address"))


def violation(s: Scenario) -> Iterator[dict]:
    """An agency reports a violation in a network, after the parties it has not reported."""
    network = s.network()
    agency = s.rng.choice(network.agencies)
    parties = _parties(s, network, agency)
    for entity, _ in parties:
        yield from s.report(entity, agency)
    hubs = [e.country.code for e, _ in parties if e.role in ("intermediary", "freight_forwarder")]
    source = next((e.country.code for e, _ in parties if e.role == "exporter"), HOME[agency])
    route = [source, *dict.fromkeys(code for code in hubs if code != source),
             network.destination]
    if s.rng.random() < 0.15 and "AE" not in route:
        route.insert(1, "AE")
    detected = s.today - timedelta(days=s.rng.randint(0, 45))
    named = [(e.reports[agency].id, role, e.reports[agency].name) for e, role in parties]
    body = bodies.violation(agency, named, route, detected, s.rng)
    draft = s.draft(agency, "violation", body)
    yield draft
    network.violations.append((agency, draft["id"], draft["marking"]))
    s.violations[agency].append(Open(draft["id"], body, draft["marking"], network,
                                     tuple(entity for entity, _ in parties)))
    if s.rng.random() < 0.3:
        yield from _relations(s, network, agency, [draft["id"]])


def _parties(s: Scenario, network: Network, agency: str) -> list[tuple[Entity, str]]:
    rng = s.rng
    by_role: dict[str, list[Entity]] = {}
    for member in network.known_to(agency):
        if member.kind != "person":
            by_role.setdefault(member.role, []).append(member)
    parties: list[tuple[Entity, str]] = []
    if by_role.get("end_user") and rng.random() < 0.85:
        parties.append((by_role["end_user"][0], "end_user"))
    fronts = by_role.get("intermediary", [])
    for index, front in enumerate(rng.sample(fronts, min(len(fronts), rng.randint(1, 2)))):
        parties.append((front, "consignee" if index == 0 else "intermediary"))
    for role, chance in (("freight_forwarder", 0.7), ("financier", 0.6), ("vessel", 0.5)):
        if by_role.get(role) and rng.random() < chance:
            parties.append((by_role[role][0], _PARTY_ROLE[role]))
    if rng.random() < 0.65 or not parties:
        supplier = exporter(network, agency, s.ents, rng, s.registrar)
        home = supplier.country.code == HOME[agency]
        parties.insert(0, (supplier, "exporter" if home else "reexporter"))
    return parties


def network_report(s: Scenario) -> Iterator[dict]:
    """An agency reports members of a network it had not reported, and how they relate."""
    network = s.network(fresh=0.1)
    waiting = [a for a in network.agencies
               if any(a not in m.reports for m in network.known_to(a))]
    agency = s.rng.choice(waiting or network.agencies)
    pending = [m for m in network.known_to(agency) if agency not in m.reports]
    for entity in s.rng.sample(pending, min(len(pending), s.rng.randint(1, 3))):
        employer = entity.employer
        if employer is not None and agency in employer.reporters:
            yield from s.report(employer, agency)
        yield from s.report(entity, agency)
    yield from _relations(s, network, agency, _evidence(network, agency))


def links(s: Scenario) -> Iterator[dict]:
    """An agency links actors it reported in a network (ownership, shipments, payments)."""
    network = s.network(fresh=0.0)
    agency = s.rng.choice(network.agencies)
    yield from _relations(s, network, agency, _evidence(network, agency))


def _evidence(network: Network, agency: str) -> list[str]:
    return [record_id for owner, record_id, _ in network.violations if owner == agency][-2:]


def _relations(s: Scenario, network: Network, agency: str, evidence: list[str]
               ) -> Iterator[dict]:
    reported = [m for m in (*network.members, *network.exporters.values())
                if agency in m.reports]
    candidates = []
    for source, target, relation in _RELATIONS:
        for member in reported:
            if member.role != source:
                continue
            if target == "employer":
                others = [member.employer] if member.employer in reported else []
            elif target == "namesake":
                twin = member.namesake
                shared = twin is not None and twin.address is member.address
                others = [twin] if shared and twin in reported and member.ent < twin.ent else []
            else:
                others = [other for other in reported if other.role == target]
            candidates += [(member, other, relation) for other in others if other is not member]
    fresh = [(a, b, rel) for a, b, rel in candidates
             if (a.reports[agency].id, b.reports[agency].id, rel) not in network.asserted]
    for source_entity, target_entity, relation in s.rng.sample(
            fresh, min(len(fresh), s.rng.choice((1, 1, 2)))):
        key = (source_entity.reports[agency].id, target_entity.reports[agency].id, relation)
        network.asserted.add(key)
        yield s.draft(agency, "link", bodies.link(*key, evidence, s.rng))


def judgement(s: Scenario) -> Iterator[dict]:
    """An analyst judges a partner's actor record the same as (or not) one of their own."""
    network = s.network(fresh=0.0)
    same, different = [], []
    for member in network.members:
        for mine, theirs in itertools.permutations(member.reports, 2):
            if member.reports[theirs].visible_to(mine):
                same.append((mine, member.reports[mine], member.reports[theirs]))
        twin = member.namesake
        for mine in member.reports:
            for report in (twin.reports.values() if twin else ()):
                if report.visible_to(mine):
                    different.append((mine, member.reports[mine], report))
    relation, pool = ("not_same_as", different) if different and (
        not same or s.rng.random() < 0.3) else ("same_as", same)
    if not pool:
        return
    agency, own, other = s.rng.choice(pool)
    key = (own.id, other.id, relation)
    if key not in network.asserted:
        network.asserted.add(key)
        yield s.draft(agency, "link", bodies.link(*key, [], s.rng))


def trend(s: Scenario) -> Iterator[dict]:
    """An agency publishes a procurement trend drawn from its recent violations."""
    agency = AGENCY_WEIGHTS.pick(s.rng)
    recent = list(itertools.islice(reversed(s.violations[agency]), 20))
    related = [entry.id for entry in s.rng.sample(recent, min(len(recent), s.rng.randint(0, 4)))]
    draft = s.draft(agency, "procurement_trend", bodies.trend(agency, related, s.today, s.rng))
    s.trends[agency].append((draft["id"], draft["marking"]))
    yield draft


def case(s: Scenario) -> Iterator[dict]:
    """An agency opens a joint case over a network's violations and actors it may see."""
    network = s.network(fresh=0.0)
    if not network.violations:
        return
    agency = s.rng.choice(network.violations)[0]
    records = [record_id for owner, record_id, marking in network.violations
               if owner == agency or agency in marking["releasable_to"]]
    records += [m.reports[agency].id for m in network.members
                if agency in m.reports and s.rng.random() < 0.4]
    opened = s.today - timedelta(days=s.rng.randint(0, 60))
    body = bodies.case(agency, network.agencies, records, opened, s.rng)
    draft = s.draft(agency, "case", body)
    yield draft
    s.cases[agency].append(Open(draft["id"], body, draft["marking"], network))


EVENTS = Weighted([(violation, 34), (network_report, 18), (trend, 16), (update, 9),
                   (links, 3), (case, 4), (judgement, 3), (withdrawal, 1)])
