"""The public list as FollowTheMoney entities (JSON lines), the format OpenSanctions publishes.

Industry screening tools (yente, and others that read OpenSanctions datasets) load it as a
dataset: each actor is a ``Company``, ``Person``, ``Organization``, ``Vessel`` or
``Airplane`` with the topic ``export.risk``, and each public identification a ``Sanction``
entity pointing at it, with the identifying agency's country, the date and the action's
reference. Property names are FollowTheMoney's; the tests validate every entity against
the ``followthemoney`` package's model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

DATASET = "enforce_share_diversionary_actors"
SCHEMAS = {"company": "Company", "person": "Person", "organization": "Organization",
           "vessel": "Vessel", "aircraft": "Airplane"}
_LEGAL = {"inn": "innCode", "ogrn": "ogrnCode", "lei": "leiCode", "duns": "dunsCode",
          "company_number": "registrationNumber", "tax_id": "taxNumber", "phone": "phone",
          "email": "email", "website": "website"}
#: Our identifier schemes -> the property each schema has for them (others are left out).
IDENTIFIERS = {
    "Company": {**_LEGAL, "imo": "imoNumber"},
    "Organization": {**_LEGAL, "imo": "imoNumber"},
    "Person": {**_LEGAL, "passport": "passportNumber"},
    "Vessel": {"imo": "imoNumber", "company_number": "registrationNumber"},
    "Airplane": {"company_number": "registrationNumber"},
}
COUNTRY_OF = {"USA": "us", "GBR": "gb", "CAN": "ca", "AUS": "au", "NZL": "nz"}
PROGRAM = "Public identification of diversionary actors"


def entities(entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each entry's actor entity, then one Sanction entity per identification."""
    for entry in entries:
        schema = SCHEMAS[entry["kind"]]
        properties: dict[str, list[str]] = {
            "name": [entry["name"]], "alias": entry["aliases"],
            "country": [code.lower() for code in entry["countries"]],
            "address": entry["addresses"], "topics": ["export.risk"]}
        for identifier in entry["identifiers"]:
            name = IDENTIFIERS[schema].get(identifier["scheme"])
            if name:
                properties.setdefault(name, []).append(identifier["value"])
        yield _entity(entry["id"], schema, properties, target=True)
        for found in entry["identifications"]:
            yield _entity(f"{entry['id']}-{found['agency'].lower()}-{found['record']}",
                          "Sanction", {
                              "entity": [entry["id"]],
                              "authority": [found.get("authority") or found["agency"]],
                              "country": [COUNTRY_OF.get(found["agency"], "")],
                              "startDate": [found["date"]], "listingDate": [found["date"]],
                              "program": [PROGRAM],
                              "recordId": [found["reference"]] if "reference" in found else []},
                          target=False)


def _entity(entity_id: str, schema: str, properties: dict[str, list[str]],
            target: bool) -> dict[str, Any]:
    kept = {name: list(dict.fromkeys(v for v in values if v))
            for name, values in properties.items()}
    return {"id": entity_id, "schema": schema,
            "properties": {name: values for name, values in kept.items() if values},
            "datasets": [DATASET], "target": target}


def to_jsonl(entries: Iterable[dict[str, Any]]) -> str:
    """The entities as JSON lines (one entity per line, UTF-8)."""
    return "".join(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n"
                   for entity in entities(entries))
