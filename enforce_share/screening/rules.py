"""Red flags: each rule reads the facts of one screening and says what it found, and why.

A flag names its ``rule``, says what was found in a ``message`` a person reads, and carries
its ``evidence`` (record ids, list entries, what is shared) so the analyst can check it. The
rules read only facts gathered under the caller's markings (``evidence.py``,
``matching.py``): a flag never rests on a record the caller may not see.

Rules: a party matching a listed entity (``listed_party``); a CHPL tier 1 or 2 item routed
through a country shared records show goods transshipped through (``chpl_transshipment``:
learnt from procurement trends and violations, no country list is written here); a party
that was the intermediary or consignee of a shared violation (``violation_role``); a party
sharing a registry number, phone, email or address with a listed or violating actor
(``shares_identifier``); a company formed in the last ``NEW_COMPANY_DAYS`` days, or whose
OGRN says it was registered this year or last (``new_company``); a route ending in a
sanctioned destination (``sanctioned_destination``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

NEW_COMPANY_DAYS = 365
HIGH_PRIORITY_TIERS = ("1", "2")
VIOLATION_ROLES = ("intermediary", "consignee")
_OGRN = re.compile(r"^[15][0-9]{12}$")


@dataclass(frozen=True)
class Facts:
    """One request's facts, all visible to the caller."""

    request: dict[str, Any]
    #: Per party: its matches and their entities, each with its members' roles in the shared
    #: violations the caller may see (``matching.py``).
    parties: list[dict[str, Any]]
    items: list[dict[str, Any]]  # per item: its CHPL tier, if any
    transit: dict[str, list[dict[str, Any]]]  # country -> records showing goods through it
    sanctioned: tuple[str, ...]
    today: date

    def destination(self) -> str | None:
        return destination(self.request)

    def transit_countries(self) -> list[str]:
        return transit_countries(self.request)


def destination(request: dict[str, Any]) -> str | None:
    """Where a request's goods end: its destination, else its route's last country."""
    route = request.get("route") or []
    return request.get("destination") or (route[-1] if route else None)


def transit_countries(request: dict[str, Any]) -> list[str]:
    """The route's countries but the first (where goods leave) and the destination."""
    route = request.get("route") or []
    return [country for country in dict.fromkeys(route[1:]) if country != destination(request)]


Flag = dict[str, Any]


def flag(rule: str, message: str, evidence: dict[str, Any], party: int | None = None,
         item: int | None = None) -> Flag:
    """A red flag as answers carry it."""
    found: Flag = {"rule": rule, "message": message, "evidence": evidence}
    if party is not None:
        found["party"] = party
    if item is not None:
        found["item"] = item
    return found


def _accepted(facts: Facts) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(party index, accepted match, its entity) for every party."""
    for index, found in enumerate(facts.parties):
        for match in found["matches"]:
            entity = found["entities"].get(match["entity"] or "", {})
            if match["accepted"]:
                yield index, match, entity


def listed_party(facts: Facts) -> list[Flag]:
    flags: dict[tuple[int, str], Flag] = {}
    for index, match, entity in _accepted(facts):
        listings = sorted(set(entity.get("listings", ())) | set(match["listings"]))
        key = (index, match["entity"] or match["id"])
        if listings and key not in flags:
            name = facts.request["parties"][index]["name"]
            other = entity.get("name") or match["name"]
            flags[key] = flag("listed_party", f"{name!r} matches {other!r} (score "
                              f"{match['score']:.2f}), listed: {'; '.join(listings)}",
                              {"entity": match["entity"], "match": match["id"],
                               "listings": listings}, party=index)
    return list(flags.values())


def violation_role(facts: Facts) -> list[Flag]:
    flags = []
    seen: set[tuple[int, str]] = set()
    for index, match, entity in _accepted(facts):
        if (index, match["entity"] or match["id"]) in seen:
            continue  # an entity's other member: its violations are the entity's
        seen.add((index, match["entity"] or match["id"]))
        cited = [(violation, role) for violation, roles in entity.get("violations", {}).items()
                 for role in roles if role in VIOLATION_ROLES]
        if cited:
            name = facts.request["parties"][index]["name"]
            roles = sorted({role for _, role in cited})
            flags.append(flag("violation_role", f"{name!r} was {' and '.join(roles)} in "
                              f"{len({v for v, _ in cited})} shared violation(s)",
                              {"entity": match["entity"], "violations": sorted(
                                  {v for v, _ in cited}), "roles": roles}, party=index))
    return flags


def shares_identifier(facts: Facts) -> list[Flag]:
    flags = []
    for index, found in enumerate(facts.parties):
        for match in found["matches"]:
            entity = found["entities"].get(match["entity"] or "", {})
            risky = match["reference"] or entity.get("listings") or entity.get("violations")
            if match["shared"] and risky:
                name = facts.request["parties"][index]["name"]
                what = "listed" if match["reference"] or entity.get("listings") else "violating"
                flags.append(flag("shares_identifier", f"{name!r} shares "
                                  f"{', '.join(match['shared'])} with {what} "
                                  f"{entity.get('name') or match['name']!r}",
                                  {"match": match["id"], "entity": match["entity"],
                                   "shared": match["shared"]}, party=index))
    return flags


def new_company(facts: Facts) -> list[Flag]:
    flags = []
    for index, party in enumerate(facts.request["parties"]):
        if party.get("kind", "company") not in ("company", "organization"):
            continue
        formed = party.get("incorporated")
        if formed and (facts.today - date.fromisoformat(formed)).days <= NEW_COMPANY_DAYS:
            flags.append(flag("new_company", f"{party['name']!r} was formed on {formed}",
                              {"incorporated": formed}, party=index))
            continue
        for identifier in party.get("identifiers", ()):
            value = identifier["value"].strip()
            if identifier["scheme"] == "ogrn" and _OGRN.match(value):
                year = _century(int(value[1:3]), facts.today.year)
                if year >= facts.today.year - 1:
                    flags.append(flag("new_company", f"{party['name']!r} was registered in "
                                      f"{year} (OGRN {value})", {"ogrn": value, "year": year},
                                      party=index))
                    break
    return flags


def _century(two_digits: int, this_year: int) -> int:
    year = this_year - this_year % 100 + two_digits
    return year - 100 if year > this_year else year


def chpl_transshipment(facts: Facts) -> list[Flag]:
    flags = []
    through = [(c, facts.transit[c]) for c in facts.transit_countries() if facts.transit.get(c)]
    for index, item in enumerate(facts.items):
        tier = (item.get("chpl") or {}).get("tier")
        if tier not in HIGH_PRIORITY_TIERS:
            continue
        for country, records in through:
            flags.append(flag("chpl_transshipment", f"CHPL tier {tier} item "
                              f"{item['hs_code']} routed through {country}: goods were "
                              f"transshipped through it in {len(records)} shared record(s)",
                              {"country": country, "tier": tier, "records": sorted(
                                  r["id"] for r in records)}, item=index))
    return flags


def sanctioned_destination(facts: Facts) -> list[Flag]:
    destination = facts.destination()
    if destination not in facts.sanctioned:
        return []
    return [flag("sanctioned_destination", f"the route ends in {destination}, a sanctioned "
                 "destination", {"destination": destination})]


RULES: tuple[Callable[[Facts], list[Flag]], ...] = (
    listed_party, violation_role, shares_identifier, new_company, chpl_transshipment,
    sanctioned_destination)


def red_flags(facts: Facts) -> list[Flag]:
    """Every rule's flags, in rule order."""
    return [found for rule in RULES for found in rule(facts)]
