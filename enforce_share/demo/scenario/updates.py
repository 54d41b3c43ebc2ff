"""Agency work on records already made: superseding versions and withdrawals."""

from __future__ import annotations

import copy
from collections.abc import Iterator

from . import bodies
from .entities import LISTS, Entity, Report, actor_body
from .network import AGENCY_WEIGHTS, Network
from .spelling import is_cyrillic
from .state import Scenario


def update(s: Scenario) -> Iterator[dict]:
    """An agency supersedes one of its records: a violation, an actor or a case."""
    draw = s.rng.random()
    if draw < 0.65:
        yield from _violation_update(s)
    elif draw < 0.85:
        yield from _actor_update(s, s.network(fresh=0.0))
    else:
        yield from _case_update(s)


def _violation_update(s: Scenario) -> Iterator[dict]:
    agency = AGENCY_WEIGHTS.pick(s.rng)
    pool = s.violations[agency]
    if not pool:
        return
    entry = pool[s.rng.randrange(len(pool))]
    body = bodies.progressed(agency, copy.deepcopy(entry.body), s.today, s.rng)
    if body is None:
        pool.remove(entry)
        return
    draft = s.draft(agency, "violation", body, copy.deepcopy(entry.marking), entry.id)
    yield draft
    _replace(entry.network, entry.id, draft["id"])
    taken = body["enforcement_actions"][len(entry.body.get("enforcement_actions", [])):]
    entry.id, entry.body = draft["id"], body
    if body["status"] == "closed":
        pool.remove(entry)
    listings = [{"list": LISTS[agency], "date": action["date"]} for action in taken
                if action["kind"] == "entity_listing"]
    if listings:  # the listed parties' actor records follow, as partners' lists do
        listed = [party for party in entry.parties if party.role != "exporter"]
        for party in listed:
            if listings[0] not in party.listings:
                party.listings.append(listings[0])
        if listed and s.rng.random() < 0.6:
            yield from _actor_update(s, entry.network, agency, s.rng.choice(listed))


def _replace(network: Network, old: str, new: str) -> None:
    for index, (owner, record_id, marking) in enumerate(network.violations):
        if record_id == old:
            network.violations[index] = (owner, new, marking)


def _actor_update(s: Scenario, network: Network, agency: str | None = None,
                  entity: Entity | None = None) -> Iterator[dict]:
    if entity is None:
        reported = [m for m in network.members if m.reports]
        if not reported:
            return
        entity = s.rng.choice(reported)
    agency = agency or s.rng.choice(list(entity.reports))
    report = entity.reports.get(agency)
    if report is None:
        return
    body = copy.deepcopy(report.body)
    missing = [dict(item) for item in entity.listings if item not in body.get("listings", [])]
    if missing:
        body["listings"] = body.get("listings", []) + missing
    else:  # a spelling met in a new document
        name = actor_body(entity, agency, s.rng)["name"]
        aliases = body.get("aliases", [])
        if name == body["name"] or any(alias["name"] == name for alias in aliases):
            return
        body["aliases"] = [*aliases, {"name": name, "script": _script(name)}]
    draft = s.draft(agency, "actor", body, copy.deepcopy(report.marking), report.id)
    draft["truth"] = {"entity": entity.ent}
    entity.reports[agency] = Report(draft["id"], body["name"], draft["marking"], body)
    yield draft


def _script(name: str) -> str:
    if is_cyrillic(name):
        return "Cyrl"
    return "Hans" if any("\u4e00" <= char <= "\u9fff" for char in name) else "Latn"


def _case_update(s: Scenario) -> Iterator[dict]:
    agency = AGENCY_WEIGHTS.pick(s.rng)
    pool = s.cases[agency]
    if not pool:
        return
    entry = pool[s.rng.randrange(len(pool))]
    more = [record_id for owner, record_id, marking in entry.network.violations
            if owner == agency or agency in marking["releasable_to"]]
    body = bodies.closed_case(copy.deepcopy(entry.body), more, s.rng)
    draft = s.draft(agency, "case", body, copy.deepcopy(entry.marking), entry.id)
    yield draft
    entry.id, entry.body = draft["id"], body
    if body["status"] == "closed":
        pool.remove(entry)


def withdrawal(s: Scenario) -> Iterator[dict]:
    """An agency withdraws one of its open violations (or, failing that, a trend).

    The withdrawal is marked as its target is: released to fewer agencies, it would never
    reach the partners holding the target (and the node refuses it).
    """
    agency = AGENCY_WEIGHTS.pick(s.rng)
    violations, trends = s.violations[agency], s.trends[agency]
    if violations and (s.rng.random() < 0.8 or not trends):
        entry = violations[s.rng.randrange(len(violations))]
        violations.remove(entry)
        entry.network.violations = [v for v in entry.network.violations if v[1] != entry.id]
        target, marking = entry.id, entry.marking
    elif trends:
        index = s.rng.randrange(len(trends))
        target, marking = trends[index]
        del trends[index]
    else:
        return
    yield s.draft(agency, "withdrawal", bodies.withdrawal(target, s.rng), copy.deepcopy(marking))
