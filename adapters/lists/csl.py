"""The US Consolidated Screening List (trade.gov) as its JSON or CSV download.

It carries the Commerce lists (BIS Entity List, Denied Persons, Unverified, Military End
User), State's and Treasury's, one entry per list an entity is on. JSON: ``{"results":
[...], "sources_used": [...]}``, each result with ``id``, ``source``, ``entity_number``,
``type``, ``name``, ``alt_names``, ``programs``, ``addresses`` (``address``, ``city``,
``state``, ``postal_code``, ``country``), ``ids`` (``type``, ``number``, ``country``),
``nationalities``, ``citizenships``, ``start_date``, ``federal_register_notice``,
``license_requirement``, ``license_policy``, ``remarks``. The CSV has the same columns
(``_id`` for ``id``), a list's values joined with ``;``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from enforce_share.lists.entries import Entry, ListFile, ListFormatError, ParsedList

from .common import (
    actor_body,
    address,
    clean,
    countries,
    iso_date,
    only,
    published_from_name,
    text_of,
)
from .ofac_csv import identifiers_of

KINDS = {"entity": "company", "individual": "person", "vessel": "vessel",
         "aircraft": "aircraft", "": "company"}
#: The lists' names as listings carry them, by the abbreviation in the CSL's source name.
LISTS = {"EL": "US BIS Entity List", "DPL": "US BIS Denied Persons List",
         "UVL": "US BIS Unverified List", "MEU": "US BIS Military End User List",
         "SDN": "US OFAC SDN List", "SSI": "US OFAC Sectoral Sanctions Identifications List",
         "FSE": "US OFAC Foreign Sanctions Evaders List", "DTC": "US State ITAR Debarred List",
         "ISN": "US State Nonproliferation Sanctions"}
_ABBREVIATION = re.compile(r"\(([A-Z]{2,5})\)")
EXTRA = ("programs", "federal_register_notice", "license_requirement", "license_policy",
         "remarks", "end_date", "source_list_url", "dates_of_birth")


def read(files: Sequence[ListFile]) -> ParsedList:
    """The list of one JSON or CSV download."""
    file = only(files, "JSON or CSV")
    text = text_of(file)
    results, published = (_json(file, text) if text.lstrip().startswith("{")
                          else (_csv(file, text), None))
    entries: dict[str, Entry] = {}
    for where, result in results:
        entry = _entry(where, result)
        if entry.key in entries:
            raise ListFormatError(where, f"repeats id {entry.key}")
        entries[entry.key] = entry
    if not entries:
        raise ListFormatError(file.name, "no results")
    return ParsedList("csl", published or published_from_name([file]), list(entries.values()))


def _json(file: ListFile, text: str) -> tuple[list[tuple[str, dict[str, Any]]], str | None]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ListFormatError(f"{file.name} line {exc.lineno} column {exc.colno}",
                              f"not JSON ({exc.msg})") from exc
    except ValueError as exc:  # a number longer than Python converts
        raise ListFormatError(file.name, f"not JSON this node reads ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise ListFormatError(file.name, "not a Consolidated Screening List ({\"results\": […]})")
    declared = document.get("total")
    if isinstance(declared, int) and declared != len(document["results"]):
        raise ListFormatError(file.name, f"holds {len(document['results']):,} results where its "
                                         f"total says {declared:,} (truncated?)")
    updated = [str(source.get("source_last_updated", ""))[:10] for source in
               document.get("sources_used") or () if isinstance(source, dict)]
    results = [(f"{file.name} results[{index}]", result)
               for index, result in enumerate(document["results"])]
    return results, max((day for day in updated if iso_date(day)), default=None)


def _csv(file: ListFile, text: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    if not {"_id", "source", "name"} <= set(reader.fieldnames or ()):
        raise ListFormatError(f"{file.name} line 1", "not a Consolidated Screening List CSV "
                                                    "(_id, source, name...)")
    found = []
    try:
        for row in reader:
            where = f"{file.name} line {reader.line_num}"
            if None in row or None in row.values():
                raise ListFormatError(where, f"{len(reader.fieldnames or ())} columns expected")
            found.append((where, _from_csv(row)))
    except csv.Error as exc:
        raise ListFormatError(f"{file.name} line {reader.line_num}", str(exc)) from exc
    return found


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON result it stands for."""
    result: dict[str, Any] = {key: value for key, value in row.items() if value}
    result["id"] = row["_id"]
    for key in ("alt_names", "programs", "nationalities", "citizenships", "dates_of_birth"):
        result[key] = _split(row.get(key, ""))
    result["addresses"] = [{"address": part, "country": part.rsplit(",", 1)[-1].strip()}
                           for part in _split(row.get("addresses", ""))]
    result["ids"] = [dict(zip(("type", "number", "country"), (p.strip() for p in part.split(
        ",")), strict=False)) for part in _split(row.get("ids", ""))]
    return result


def _entry(where: str, result: Any) -> Entry:
    if not isinstance(result, dict) or not isinstance(result.get("id"), str | int) or not (
            isinstance(result.get("name"), str) and clean(result["name"])) or not isinstance(
            result.get("source"), str):
        raise ListFormatError(where, "needs an id, a name and a source")
    kind = KINDS.get(clean(result.get("type")).lower())
    if kind is None:
        raise ListFormatError(where, f"type {result.get('type')!r} is not Entity, Individual, "
                                     "Vessel or Aircraft")
    listed = _ABBREVIATION.search(result["source"])
    list_name = LISTS.get(listed.group(1) if listed else "", f"US {clean(result['source'])}")
    identifiers = []
    for found in _objects(result.get("ids")):
        identifiers += identifiers_of(clean(found.get("type")), clean(found.get("number")),
                                      clean(found.get("country")) or None)
    places = [address([found.get(part) for part in ("address", "city", "state",
                                                     "postal_code")], clean(found.get("country")))
              for found in _objects(result.get("addresses"))]
    codes = countries(map(clean, _strings(result.get("nationalities")) + _strings(
        result.get("citizenships"))))
    codes += [place["country"] for place in places if "country" in place]
    key = clean(result["id"])
    body = actor_body(kind, result["name"], alias_names=_strings(result.get("alt_names")),
                      country_codes=codes, addresses=places, identifiers=identifiers,
                      listing={"list": list_name, "date": iso_date(result.get("start_date")) or "",
                               "reference": clean(result.get("entity_number")) or key})
    extra = {name: result[name] for name in EXTRA if result.get(name)}
    extra["source"] = clean(result["source"])
    return Entry(key, body, json.loads(json.dumps(extra, default=str)))


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
