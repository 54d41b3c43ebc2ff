"""Batch screening files: a CSV of parties in, a CSV (or JSON) of answers out.

Input columns (only ``name`` is required; a list's values are joined with ``;``):
``reference``, ``name``, ``kind``, ``role``, ``aliases``, ``countries``, ``addresses``,
``identifiers`` (``scheme:value``), ``incorporated``, ``hs_codes``, ``route``,
``destination``. Each row is one request: its party, and the items and route it names. A
row that is not valid is refused naming its line and field, before anything is screened.
Output cells that would begin a spreadsheet formula are written with a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any, TextIO

from ..errors import InvalidInput
from ..exports.csv import safe
from .request import parse

COLUMNS = ("reference", "name", "kind", "role", "aliases", "countries", "addresses",
           "identifiers", "incorporated", "hs_codes", "route", "destination")
RESULT_COLUMNS = ("line", "reference", "name", "best_match", "score", "accepted", "kind",
                  "listed_on", "entity", "violations", "cases", "red_flags", "flag_messages")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def request_of(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row as a screening request document (not yet checked)."""
    party: dict[str, Any] = {"name": row.get("name", "")}
    for key in ("reference", "kind", "role", "incorporated"):
        if row.get(key, "").strip():
            party[key] = row[key].strip()
    for key in ("aliases", "countries"):
        if row.get(key, "").strip():
            party[key] = _split(row[key])
    if row.get("addresses", "").strip():
        party["addresses"] = [{"text": text} for text in _split(row["addresses"])]
    if row.get("identifiers", "").strip():
        party["identifiers"] = [dict(zip(("scheme", "value"), (p.strip() for p in part.split(
            ":", 1)), strict=False)) for part in _split(row["identifiers"])]
    request: dict[str, Any] = {"parties": [party]}
    if row.get("hs_codes", "").strip():
        request["items"] = [{"hs_code": code} for code in _split(row["hs_codes"])]
    if row.get("route", "").strip():
        request["route"] = _split(row["route"])
    if row.get("destination", "").strip():
        request["destination"] = row["destination"].strip()
    return request


def read_requests(text: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, checked request) of each row of a batch CSV; InvalidInput naming the line."""
    reader = csv.DictReader(text)
    unknown = sorted(set(reader.fieldnames or ()) - set(COLUMNS))
    if "name" not in (reader.fieldnames or ()) or unknown:
        raise InvalidInput(f"line 1: the columns must include name and be among "
                           f"{', '.join(COLUMNS)}" + (f" (not {', '.join(unknown)})"
                                                      if unknown else ""))
    try:
        for row in reader:
            if None in row or None in row.values():
                raise InvalidInput(f"line {reader.line_num}: {len(reader.fieldnames or ())} "
                                   "columns expected")
            try:
                yield reader.line_num, parse(request_of(row))
            except InvalidInput as exc:
                raise InvalidInput(f"line {reader.line_num}: {exc.message}", exc.fields
                                   ) from None
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: {exc}") from exc


def result_row(line: int, answer: dict[str, Any]) -> list[str]:
    """One screened row as a result CSV row (its first party)."""
    party = answer["parties"][0]
    best = party["matches"][0] if party["matches"] else None
    entity = next((e for e in party["entities"] if best and e["id"] == best["entity"]), None)
    listed = sorted(set(best["listings"]) | set(entity["listings"] if entity else ())
                    ) if best else []
    flags = answer["red_flags"]
    cells = [str(line), party.get("reference", ""), party["name"],
             best["name"] if best else "", f"{best['score']:.2f}" if best else "",
             str(best["accepted"]).lower() if best else "", best["kind"] if best else "",
             "; ".join(listed), best["entity"] or "" if best else "",
             str(entity["violation_count"]) if entity else "0",
             str(entity["case_count"]) if entity else "0",
             "; ".join(f["rule"] for f in flags), " | ".join(f["message"] for f in flags)]
    return [safe(cell) for cell in cells]


def result_header() -> str:
    """The result CSV's header line."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(RESULT_COLUMNS)
    return out.getvalue()
