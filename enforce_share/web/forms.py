"""Record forms: each record type's fields as data, a submitted form read into a draft body,
and a body written back into form values (to edit it, or to show it again with its errors).

Names: ``title``; a nested object's field ``period.start``; a row of a list of objects
``items-0-hs_code`` (``items-0-value.amount``). Lists of codes are typed apart by commas, lists
of text one per line. Empty fields and empty rows are left out of the body, so the schema
(the API's own) says what is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..members import CURRENT_CODES as AGENCIES
from ..records.schema import (
    ACTION_KINDS,
    ACTOR_KINDS,
    CASE_STATUSES,
    CONFIDENCE,
    IDENTIFIER_SCHEMES,
    LINK_RELATIONS,
    PARTY_ROLES,
    PROCUREMENT_METHODS,
    VIOLATION_STATUSES,
    VIOLATION_TYPES,
)


@dataclass(frozen=True)
class Field:
    """One form field: its name in the body, kind, label and, for choices, the options."""

    name: str
    kind: str  # text, long, date, number, choice, choices, codes, lines, group
    label: str
    options: tuple[str, ...] = ()
    hint: str = ""
    parts: tuple[Field, ...] = field(default=())  # a group's row fields


def group(name: str, label: str, *parts: Field, hint: str = "") -> Field:
    return Field(name, "group", label, parts=parts, hint=hint)


MONEY_HINT = "amount, then ISO 4217 currency (USD)"
FORMS: dict[str, tuple[Field, ...]] = {
    "violation": (
        Field("title", "text", "Title"), Field("summary", "long", "Summary"),
        Field("status", "choice", "Status", VIOLATION_STATUSES),
        Field("detected_on", "date", "Detected on"),
        Field("violation_types", "choices", "Violation types", VIOLATION_TYPES),
        group("items", "Items", Field("hs_code", "text", "HS code", hint="6-10 digits"),
              Field("eccn", "text", "ECCN"), Field("description", "text", "Description"),
              Field("quantity", "number", "Quantity"), Field("unit", "text", "Unit"),
              Field("value.amount", "number", "Value"),
              Field("value.currency", "text", "Currency", hint="USD")),
        group("parties", "Parties", Field("actor", "text", "Actor record id"),
              Field("role", "choice", "Role", PARTY_ROLES)),
        Field("route", "codes", "Route", hint="countries in order, ISO codes: US, AM, RU"),
        group("enforcement_actions", "Enforcement actions",
              Field("kind", "choice", "Action", ACTION_KINDS), Field("date", "date", "Date"),
              Field("amount.amount", "number", "Amount"),
              Field("amount.currency", "text", "Currency"),
              Field("authority", "text", "Authority"), Field("reference", "text", "Reference")),
        Field("red_flags", "lines", "Red flags", hint="one per line"),
        Field("legal_basis", "lines", "Legal basis", hint="one per line"),
        Field("sources", "lines", "Sources", hint="one per line"),
    ),
    "procurement_trend": (
        Field("title", "text", "Title"), Field("summary", "long", "Summary"),
        Field("methods", "choices", "Procurement methods", PROCUREMENT_METHODS),
        Field("confidence", "choice", "Confidence", CONFIDENCE),
        Field("period.start", "date", "Period from"), Field("period.end", "date", "Period to"),
        Field("hs_codes", "codes", "HS codes", hint="854231, 854239"),
        Field("transit_countries", "codes", "Transit countries", hint="KG, KZ"),
        Field("destination_countries", "codes", "Destination countries", hint="RU"),
        Field("indicators", "lines", "Indicators", hint="one per line"),
        Field("related", "lines", "Related record ids", hint="one per line"),
    ),
    "actor": (
        Field("kind", "choice", "Kind", ACTOR_KINDS), Field("name", "text", "Name"),
        group("aliases", "Aliases", Field("name", "text", "Alias"),
              Field("script", "text", "Script", hint="ISO 15924: Latn, Cyrl, Hani")),
        Field("countries", "codes", "Countries", hint="ISO codes: AM, RU"),
        group("addresses", "Addresses", Field("text", "text", "Address"),
              Field("country", "text", "Country", hint="ISO code")),
        group("identifiers", "Identifiers",
              Field("scheme", "choice", "Scheme", IDENTIFIER_SCHEMES),
              Field("value", "text", "Value")),
        group("listings", "Listings", Field("list", "text", "List"),
              Field("date", "date", "Listed on"), Field("reference", "text", "Reference")),
        Field("notes", "long", "Notes"),
    ),
    "case": (
        Field("title", "text", "Title"),
        Field("lead_agency", "choice", "Lead agency", AGENCIES),
        Field("participants", "choices", "Participating agencies", AGENCIES),
        Field("status", "choice", "Status", CASE_STATUSES),
        Field("opened", "date", "Opened"), Field("summary", "long", "Summary"),
        Field("records", "lines", "Record ids", hint="one per line; or add them from a search"),
    ),
    "link": (
        Field("from", "text", "From record id"),
        Field("relation", "choice", "Relation", LINK_RELATIONS),
        Field("to", "text", "To record id"),
        Field("confidence", "number", "Confidence", hint="0 to 1"),
        Field("evidence", "lines", "Evidence record ids", hint="one per line"),
    ),
}


def _number(text: str) -> Any:
    """A number as typed; text the schema refuses by name if it is none."""
    try:
        return int(text) if re.fullmatch(r"-?[0-9]+", text) else float(text)
    except ValueError:
        return text


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    *path, last = dotted.split(".")
    for key in path:
        target = target.setdefault(key, {})
    target[last] = value


def _value(spec: Field, form: Any, name: str) -> Any:
    if spec.kind == "choices":
        return form.getlist(name) or None
    text = form.get(name, "").strip()
    if not text:
        return None
    if spec.kind == "number":
        return _number(text)
    if spec.kind == "codes":
        return [code.upper() for code in re.split(r"[,\s]+", text) if code]
    if spec.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return form.get(name, "").replace("\r\n", "\n").strip()


def read_body(record_type: str, form: Any) -> dict[str, Any]:
    """The body a submitted form holds (empty fields and rows left out)."""
    body: dict[str, Any] = {}
    for spec in FORMS[record_type]:
        if spec.kind != "group":
            value = _value(spec, form, spec.name)
            if value is not None:
                _put(body, spec.name, value)
            continue
        indices = sorted({int(match.group(1)) for key in form
                          if (match := re.fullmatch(rf"{spec.name}-([0-9]{{1,3}})-.+", key))})
        rows = []
        for index in indices:
            row: dict[str, Any] = {}
            for part in spec.parts:
                value = _value(part, form, f"{spec.name}-{index}-{part.name}")
                if value is not None:
                    _put(row, part.name, value)
            if row:
                rows.append(row)
        if rows:
            body[spec.name] = rows
    return body


def _get(source: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        source = source.get(key) if isinstance(source, dict) else None
    return source


def form_values(record_type: str, body: dict[str, Any]) -> dict[str, Any]:
    """A body as the form shows it: per field its text (lists joined), per group its rows."""
    values: dict[str, Any] = {}
    for spec in FORMS[record_type]:
        value = _get(body, spec.name)
        if spec.kind == "group":
            values[spec.name] = [{part.name: _text(part, _get(row, part.name))
                                  for part in spec.parts} for row in value or []]
        else:
            values[spec.name] = value if spec.kind == "choices" else _text(spec, value)
    return values


def _text(spec: Field, value: Any) -> str:
    if value is None:
        return ""
    if spec.kind == "codes":
        return ", ".join(value)
    if spec.kind == "lines":
        return "\n".join(value)
    return str(value)


def problem_at(problems: Any, *path: Any) -> Any:
    """The schema's problems at a field's path (``("items", 0, "value.amount")``), or None."""
    for step in path:
        for key in str(step).split(".") if isinstance(step, str) else [step]:
            if not isinstance(problems, dict):
                return None
            problems = problems.get(key, problems.get(str(key)))
    return problems


def problem_text(problems: Any, typed: str = "") -> str:
    """A field's problems as one line; a list's, naming the values refused (``XX: Not an
    ISO 3166-1 alpha-2 country code.``)."""
    if isinstance(problems, list):
        return " ".join(map(str, problems))
    if not isinstance(problems, dict):
        return str(problems)
    values = [part for part in re.split(r"[,\s]+" if "\n" not in typed else r"\n", typed)
              if part.strip()]
    lines = []
    for key, value in problems.items():
        index = int(key) if str(key).isdigit() else None
        named = values[index] if index is not None and index < len(values) else key
        lines.append(f"{named}: {problem_text(value)}")
    return "; ".join(lines)
