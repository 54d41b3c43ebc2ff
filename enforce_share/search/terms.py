"""What search knows of a record: its filter terms, names, title and text, taken once on store.

A term is ``<field>:<value>`` with no spaces; the prefixes are the filters of a query:

====  ==========================================  ====  ==================================
t     record type                                 v     violation type
o     origin agency                               m     procurement method
r     agency the marking releases it to           x     enforcement action kind
l     TLP level                                   s     status (violation, case)
c     country (route, transit, destination,       p     actor it names (party, link end)
      actor countries and addresses)              d     a day: created or the body's own
h     HS code (digits)                            mo    month created (facet)
hc    HS chapter (facet)                          n/nn  name skeletons (names.py)
e     ECCN (upper case)
====  ==========================================  ====  ==================================
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import members
from ..clock import parse_timestamp
from ..markings import agency_bit
from ..markings import audience as audience_mask
from .names import latin, name_terms
from .schema import SEARCHABLE_TYPES as SEARCHABLE  # not keys or withdrawals


@dataclass(frozen=True)
class SearchDoc:
    """One record as the search index holds it."""

    terms: list[str]
    names: list[str]  # Latin spellings of its names, for ranking name matches
    title: str
    text: str
    created_key: int  # seconds since the epoch: the "newest" order


def search_doc(record: dict[str, Any], audience: int) -> SearchDoc | None:
    """The search document of a stored record (None for types search does not cover)."""
    kind = record["type"]
    if kind not in SEARCHABLE:
        return None
    body = record["body"]
    created = record["created"]
    terms = {f"t:{kind}", f"o:{record['origin']}", f"l:{record['marking']['tlp']}",
             f"d:{created[:10]}", f"mo:{created[:7]}"}
    terms.update(f"r:{agency}" for agency in members.codes() if audience & agency_bit(agency))
    terms.update(_body_terms(kind, body))
    names = _names(body) if kind == "actor" else []
    for name in names:
        terms.update(name_terms(name))
    return SearchDoc(
        terms=sorted(terms),
        names=list(dict.fromkeys(latin(name) for name in names)),
        title=body.get("title") or body.get("name") or "",
        text="\n".join(_texts(body)),
        created_key=int(parse_timestamp(created).timestamp()),
    )


def _names(body: dict[str, Any]) -> list[str]:
    return [body["name"], *(alias["name"] for alias in body.get("aliases", ()))]


def _body_terms(kind: str, body: dict[str, Any]) -> Iterator[str]:
    for item in body.get("items", ()):
        yield from _hs_terms(item["hs_code"])
        if "eccn" in item:
            yield f"e:{item['eccn'].upper()}"
    for code in body.get("hs_codes", ()):
        yield from _hs_terms(code)
    countries = [*body.get("route", ()), *body.get("transit_countries", ()),
                 *body.get("destination_countries", ()), *body.get("countries", ()),
                 *(a["country"] for a in body.get("addresses", ()) if "country" in a)]
    yield from (f"c:{country}" for country in countries)
    yield from (f"v:{value}" for value in body.get("violation_types", ()))
    yield from (f"m:{value}" for value in body.get("methods", ()))
    if "status" in body:
        yield f"s:{body['status']}"
    for action in body.get("enforcement_actions", ()):
        yield f"x:{action['kind']}"
        yield f"d:{action['date']}"
    yield from (f"p:{party['actor']}" for party in body.get("parties", ()))
    if kind == "link":
        yield f"p:{body['from']}"
        yield f"p:{body['to']}"
    yield from (f"d:{day}" for day in _days(body))


def _hs_terms(code: str) -> Iterator[str]:
    yield f"h:{code}"
    yield f"hc:{code[:2]}"


def _days(body: dict[str, Any]) -> Iterable[str]:
    for key in ("detected_on", "opened"):
        if key in body:
            yield body[key]
    period = body.get("period") or {}
    yield from (period[key] for key in ("start", "end") if key in period)
    yield from (listing["date"] for listing in body.get("listings", ()) if "date" in listing)


def _texts(body: dict[str, Any]) -> Iterator[str]:
    """Free text of a body: summaries, notes, descriptions, flags, names, addresses, ids."""
    for key in ("summary", "notes"):
        if body.get(key):
            yield body[key]
    for key in ("red_flags", "indicators", "legal_basis", "sources"):
        yield from body.get(key, ())
    yield from (item["description"] for item in body.get("items", ()))
    yield from (alias["name"] for alias in body.get("aliases", ()))
    yield from (address["text"] for address in body.get("addresses", ()))
    yield from (ident["value"] for ident in body.get("identifiers", ()))
    yield from (f"{action.get('authority', '')} {action.get('reference', '')}".strip()
                for action in body.get("enforcement_actions", ()))
    yield from (f"{listing['list']} {listing.get('reference', '')}".strip()
                for listing in body.get("listings", ()))


def doc_of_row(row: dict[str, Any]) -> SearchDoc | None:
    """The search document of a row as stored (``records.log.row_values``): the one made
    ahead (``prepared``, by :func:`prepare` in a precheck helper), else made of the row's
    ``envelope`` (the record) or, for a row read back from the table, its canonical text."""
    if row["type"] not in SEARCHABLE:
        return None
    ready = row.get("prepared")
    if isinstance(ready, SearchDoc):
        return ready
    record = row.get("envelope") or json.loads(row["canonical"])
    return search_doc(record, row["audience"])


def prepare(record: dict[str, Any]) -> SearchDoc | None:
    """The search document of a verified record, made before it is stored (a precheck
    helper's ``prepare``: the storing process then only writes it)."""
    marking = record["marking"]
    return search_doc(record, audience_mask(marking["tlp"], marking["releasable_to"]))
