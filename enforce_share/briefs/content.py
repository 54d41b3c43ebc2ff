"""What a brief says, from its evidence: summary, timeline, items, routes, methods, red flags,
actors, provenance and the appendix, as plain data for the templates (every list sorted, so
the same records always say the same thing in the same order)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pycountry

from ..markings import combined
from ..signing.trust import TrustRegistry
from . import timeline
from .gather import Evidence, body
from .provenance import check, evidence_digest

TLP_COLOURS = {"clear": "#ffffff", "green": "#33ff00", "amber": "#ffc000",
               "amber+strict": "#ffc000", "red": "#ff2b2b"}


def marking(evidence: Evidence) -> dict[str, Any]:
    """The brief's marking: the most restrictive TLP of its records, releasable to the
    agencies every one of them is releasable to (markings.combined)."""
    tlp, agencies = combined((row.tlp, row.releasable_to) for row in evidence.rows.values())
    banner = f"TLP:{tlp.upper()} · releasable to {', '.join(agencies) or 'no other agency'}"
    return {"tlp": tlp, "releasable_to": agencies, "banner": banner,
            "colour": TLP_COLOURS[tlp]}


def content(evidence: Evidence, registry: TrustRegistry) -> dict[str, Any]:
    """Everything the templates show but the pictures and the generation time."""
    case = body(evidence.case)
    violations = [body(row) for row in evidence.of_type("violation")]
    trends = [body(row) for row in evidence.of_type("procurement_trend")]
    events = timeline.events(evidence)
    rows = evidence.ordered()
    return {
        "case_id": evidence.case.id, "case": case,
        "participants": [a for a in case.get("participants", []) if a != case["lead_agency"]],
        "reporting": sorted({row.origin for row in rows}),
        "marking": marking(evidence),
        "summary": summary(evidence, case, violations, events),
        "timeline": events,
        "items": items(evidence),
        "routes": _counted(" → ".join(v["route"]) for v in violations if v.get("route")),
        "methods": _counted([*(m for t in trends for m in t["methods"]),
                             *(k for v in violations for k in v["violation_types"])],
                            label=True),
        "red_flags": _counted([*(f for v in violations for f in v.get("red_flags", [])),
                               *(i for t in trends for i in t.get("indicators", []))]),
        "actors": actors(evidence),
        "network": evidence.network,
        "trends": [{"id": row.id, "origin": row.origin, **body(row)}
                   for row in evidence.of_type("procurement_trend")],
        "provenance": [check(registry, row) for row in rows],
        "omitted": sorted(evidence.omitted),
        "evidence_digest": evidence_digest(rows),
    }


def summary(evidence: Evidence, case: dict[str, Any], violations: list[dict[str, Any]],
            events: list[timeline.Event]) -> list[str]:
    """The executive summary, a few sentences made from the records."""
    others = [a for a in case.get("participants", []) if a != case["lead_agency"]]
    lines = [f"{case['title']} is a joint investigation led by {case['lead_agency']}"
             + (f" with {_and(others)}" if others else "")
             + f", opened {case['opened']} and now {case['status']}."]
    rows = evidence.rows.values()
    count = Counter(row.type for row in rows)
    lines.append(
        f"This brief stands on {_n(len(evidence.rows), 'signed record')} reported by "
        f"{_and(sorted({row.origin for row in rows}))}: {_n(count['violation'], 'violation')}"
        f", {_n(count['procurement_trend'], 'procurement trend')} and "
        f"{_n(count['actor'], 'actor record')} resolved into "
        f"{_n(len(evidence.network), 'entity', 'entities')}.")
    if violations:
        statuses = Counter(v["status"].replace("_", " ") for v in violations)
        actions = [e for e in events if e.kind not in ("detected", "case opened")]
        lines.append(
            f"Violations were detected from {min(v['detected_on'] for v in violations)} to "
            f"{max(v['detected_on'] for v in violations)} ("
            + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) + "); "
            + (f"{_n(len(actions), 'enforcement action')} followed ("
               + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(
                   Counter(e.kind for e in actions).items())) + ")."
               if actions else "no enforcement action is recorded yet."))
        transit = sorted({c for v in violations for c in v.get("route", [])[1:-1]})
        ends = sorted({v["route"][-1] for v in violations if v.get("route")})
        if ends:
            lines.append(f"Goods moved to {_and([country(c) for c in ends])}"
                         + (f" through {_and([country(c) for c in transit])}" if transit
                            else "") + ".")
        values = Counter()
        for v in violations:
            for item in v.get("items", []):
                if "value" in item:
                    values[item["value"]["currency"]] += item["value"]["amount"]
        if values:
            lines.append("Declared value of the items: " + ", ".join(
                f"{amount:,.2f} {currency}" for currency, amount in sorted(values.items()))
                + ".")
    if evidence.omitted:
        lines.append(f"{_n(len(evidence.omitted), 'record')} the case names "
                     f"{'is' if len(evidence.omitted) == 1 else 'are'} not held here, not "
                     "released to this agency or withdrawn, and left out.")
    return lines


def items(evidence: Evidence) -> list[dict[str, Any]]:
    """Every item line of the violations: HS code, ECCN, description, quantity, value."""
    found = []
    for row in evidence.of_type("violation"):
        for item in body(row).get("items", []):
            value = item.get("value")
            quantity = item.get("quantity")
            found.append({
                "hs_code": item["hs_code"], "eccn": item.get("eccn", "—"),
                "description": item["description"], "record": row.id,
                "quantity": "" if quantity is None else f"{quantity:g} {item.get('unit', '')}"
                .strip(),
                "value": f"{value['amount']:,.2f} {value['currency']}" if value else "—"})
    return sorted(found, key=lambda i: (i["hs_code"], i["eccn"], i["description"], i["record"]))


def actors(evidence: Evidence) -> list[dict[str, Any]]:
    """The entities of the network: name, countries, roles, reporting agencies, records."""
    return [{"id": entity, "name": data["name"], "members": data["members"],
             "agencies": sorted(data["agencies"]), "countries": sorted(data["countries"]),
             "roles": sorted(role.replace("_", " ") for role in data["roles"])}
            for entity, data in sorted(evidence.network.nodes(data=True),
                                       key=lambda pair: (pair[1]["name"].casefold(), pair[0]))]


def country(code: str) -> str:
    """The short English name of an ISO 3166 alpha-2 code (the code if unknown)."""
    found = pycountry.countries.get(alpha_2=code)
    return getattr(found, "common_name", None) or (found.name if found else code)


def _counted(values: Iterable[str], label: bool = False) -> list[tuple[str, int]]:
    counts = Counter(values)
    return [(value.replace("_", " ") if label else value, n)
            for value, n in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))]


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] \
        if words else "no one"
