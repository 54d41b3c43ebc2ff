"""Screening use case: match the parties, gather what the caller may see, raise red flags.

Requests are screened in groups (``GROUP`` parties to one graph question, the records they
cite read in a few queries), so a batch of thousands costs a few round trips per group, not
per party. The answer's ``marking`` is the most restrictive of the records it cites (as a
brief's), and its ``reference_lists`` say which publication of each list it was checked
against.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..lists.entries import row_id
from ..lists.models import ListImport
from ..lists.service import chpl_tiers, describe_entries
from ..markings import combined
from ..search.models import SearchHead
from . import evidence, rules
from .cases import case_index
from .request import party_body

if TYPE_CHECKING:
    from ..node import Node

GROUP = 200
LIMIT = 10  # matches shown per party
SHOWN = 20  # violations, and cases, shown per entity (all are counted)


def screen(node: Node, request: dict[str, Any], viewer: str, today: date | None = None
           ) -> dict[str, Any]:
    """The answer to one screening request (as ``request.parse`` read it)."""
    return screen_many(node, [request], viewer, today=today)[0]


def screen_many(node: Node, requests: Sequence[dict[str, Any]], viewer: str, *,
                today: date | None = None, progress: Callable[[int], None] | None = None
                ) -> list[dict[str, Any]]:
    """The answers to ``requests``, in order; ``progress`` is told of each party done."""
    today = today or datetime.now(UTC).date()
    answers: list[dict[str, Any]] = []
    group: list[dict[str, Any]] = []
    for request in requests:
        group.append(request)
        if sum(len(r["parties"]) for r in group) >= GROUP:
            answers += _group(node, group, viewer, today, progress)
            group = []
    if group:
        answers += _group(node, group, viewer, today, progress)
    return answers


def _group(node: Node, requests: list[dict[str, Any]], viewer: str, today: date,
           progress: Callable[[int], None] | None) -> list[dict[str, Any]]:
    bodies = [party_body(party) for request in requests for party in request["parties"]]
    found = node.graph.screen(viewer, bodies, LIMIT)
    entities = [entity for party in found for entity in party["entities"].values()]
    matched = {match["id"] for party in found for match in party["matches"]}
    cited = {v for entity in entities for v in _shown(entity["violations"])}
    named = {m for entity in entities for m in [*entity["members"], *entity["violations"]]
             if row_id(m) is None}
    with node.reading() as session:
        violations = evidence.violations(session, cited, viewer)
        found_cases = case_index(node.config.db_url)
        found_cases.refresh(session)
        cases = found_cases.listing(named, viewer)
        actors = evidence.records(session, {m for m in matched if row_id(m) is None}, viewer)
        listed = describe_entries(session, matched)
        chpl, held = _REFERENCE.of(session, node.config.db_url)
        stamp = session.scalar(select(SearchHead.stamp).where(SearchHead.id == 1)) or 0
    wanted = {c for request in requests for c in rules.transit_countries(request)} if any(
        _tier(item, chpl) in rules.HIGH_PRIORITY_TIERS for request in requests
        for item in request.get("items", ())) else set()
    transit = _TRANSIT.of(node, viewer, stamp, wanted)
    answers, start = [], 0
    for request in requests:
        mine = found[start:start + len(request["parties"])]
        start += len(request["parties"])
        facts = rules.Facts(request, mine, [_item(item, chpl) for item in request.get(
            "items", ())], transit, tuple(node.config.sanctioned_destinations), today)
        answers.append(_answer(facts, violations, cases, actors, listed, held, chpl))
        if progress:
            progress(len(request["parties"]))
    return answers


def _shown(roles: dict[str, list[str]]) -> list[str]:
    """The violations of an entity an answer shows (``SHOWN`` at most): those its members
    were intermediary or consignee in first, as the red flags cite them."""
    return sorted(roles, key=lambda v: (not set(roles[v]) & set(rules.VIOLATION_ROLES), v)
                  )[:SHOWN]


def _tier(item: dict[str, Any], chpl: dict[str, dict[str, str]]) -> str | None:
    return (chpl.get(item["hs_code"][:6]) or {}).get("tier")


def _item(item: dict[str, Any], chpl: dict[str, dict[str, str]]) -> dict[str, Any]:
    tier = chpl.get(item["hs_code"][:6])
    return {**item, "chpl": {"hs6": item["hs_code"][:6], **tier} if tier else None}


class _Reference:
    """The CHPL and the lists' provenance, read again only after an import (per process)."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, int], tuple[dict[str, Any], list[dict[str, Any]]]] = {}

    def of(self, session: Session, database: str
           ) -> tuple[dict[str, dict[str, str]], list[dict[str, Any]]]:
        head = session.scalar(select(func.max(ListImport.id))) or 0
        found = self._held.get((database, head))
        if found is None:
            latest = select(func.max(ListImport.id)).group_by(ListImport.source)
            held = [{"source": row.source, "published": row.published,
                     "imported": row.imported}
                    for row in session.scalars(select(ListImport).where(
                        ListImport.id.in_(latest)).order_by(ListImport.source))]
            found = self._held[(database, head)] = (chpl_tiers(session), held)
            if len(self._held) > 16:
                self._held.pop(next(iter(self._held)))
        return found


class _Transit:
    """Transshipment evidence per viewer and country, read again only once records changed
    (the search stamp moved): every screened route asks it."""

    def __init__(self, size: int = 512) -> None:
        self._held: OrderedDict[tuple[str, str, int, str], list[dict[str, Any]]] = (
            OrderedDict())
        self._size = size

    def of(self, node: Node, viewer: str, stamp: int, countries: set[str]
           ) -> dict[str, list[dict[str, Any]]]:
        database = node.config.db_url
        missing = {c for c in countries if (database, viewer, stamp, c) not in self._held}
        if missing:
            found = evidence.transshipment(partial(node.search, viewer=viewer), missing)
            for country in missing:
                self._held[(database, viewer, stamp, country)] = found.get(country, [])
                if len(self._held) > self._size:
                    self._held.popitem(last=False)
        return {c: records for c in countries
                if (records := self._held[(database, viewer, stamp, c)])}


_REFERENCE, _TRANSIT = _Reference(), _Transit()


def _answer(facts: rules.Facts, violations: dict[str, dict[str, Any]],
            cases: dict[str, list[dict[str, Any]]],
            actors: dict[str, Any], listed: dict[str, dict[str, Any]],
            held: list[dict[str, Any]], chpl: dict[str, Any]) -> dict[str, Any]:
    parties, used = [], []
    for index, (party, found) in enumerate(zip(facts.request["parties"], facts.parties,
                                               strict=True)):
        matches = []
        for match in found["matches"]:
            shown = {key: match[key] for key in ("id", "name", "score", "accepted", "features",
                                                 "shared", "entity", "listings")}
            if match["reference"]:
                shown |= {"kind": "list_entry", "list_entry": listed.get(match["id"])}
            elif match["id"] in actors:
                row = actors[match["id"]]
                shown |= {"kind": "actor", "origin": row.origin,
                          "marking": evidence.marking(row)}
                used.append(shown["marking"])
            else:
                continue  # withdrawn since the graph read it
            matches.append(shown)
        entities = []
        for entity in found["entities"].values():
            roles = entity["violations"]
            cited = [{**violations[v], "roles_here": roles[v]} for v in _shown(roles)
                     if v in violations]
            named = {c["id"]: c for member in [*entity["members"], *roles]
                     for c in cases.get(member, ())}
            shown_cases = sorted(named.values(), key=lambda c: c["id"])[:SHOWN]
            used += [v["marking"] for v in cited] + [c["marking"] for c in shown_cases]
            entities.append({**entity, "violations": cited, "violation_count": len(roles),
                             "cases": shown_cases, "case_count": len(named)})
        parties.append({"index": index, "name": party["name"],
                        **({"reference": party["reference"]} if "reference" in party else {}),
                        "matches": matches, "entities": entities})
    flags = rules.red_flags(facts)
    used += [record["marking"] for records in facts.transit.values() for record in records
             if any(record["id"] in f["evidence"].get("records", ()) for f in flags)]
    tlp, releasable_to = combined((m["tlp"], m["releasable_to"]) for m in used)
    notes = [] if chpl else ["The CHPL is not imported here: items have no tier "
                             "(enforce-share lists import --source chpl FILE)."]
    return {"parties": parties, "items": [{"index": i, **item} for i, item in enumerate(
        facts.items)], "red_flags": flags, "reference_lists": held, "notes": notes,
        "marking": {"tlp": tlp, "releasable_to": releasable_to}}
