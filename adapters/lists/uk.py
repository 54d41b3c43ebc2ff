"""The UK Sanctions List (FCDO) as four related CSV files, one subject per ``unique_id``.

``subjects.csv`` (unique_id, subject_type, un_reference_number, ofsi_group_id,
date_designated, last_updated), ``subject_names.csv`` (primary names, variations, aliases),
``subject_identifiers.csv`` (passports, national ids, business registration numbers, IMO
numbers) and ``subject_countries.csv`` (countries of address, birth and nationality, with
their ISO codes). The regime is the id's prefix (``RUS`` Russia). Files are told apart by
their header; every row of the other three must name a subject of ``subjects.csv`` (a
subjects file cut short is refused, not read as delistings).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from enforce_share.lists.entries import SOURCES, Entry, ListFile, ListFormatError, ParsedList

from .common import actor_body, clean, identifier, iso_date, registry_identifiers, text_of

HEADERS = {
    "subjects": {"unique_id", "subject_type", "date_designated", "last_updated"},
    "names": {"unique_id", "name_type", "full_name"},
    "identifiers": {"unique_id", "raw_value", "identifier_type"},
    "countries": {"unique_id", "country_type", "iso"},
}
KINDS = {"individual": "person", "entity": "company", "ship": "vessel"}


def read(files: Sequence[ListFile]) -> ParsedList:
    """The list from its four files (names, identifiers and countries may be missing)."""
    tables: dict[str, tuple[ListFile, list[tuple[int, dict[str, str]]]]] = {}
    for file in files:
        role, rows = _table(file)
        if role in tables:
            raise ListFormatError(file.name, f"a second {role} file")
        tables[role] = (file, rows)
    if "subjects" not in tables:
        raise ListFormatError(", ".join(f.name for f in files), "no subjects.csv")
    subjects = {row["unique_id"]: _subject(tables["subjects"][0], line, row)
                for line, row in tables["subjects"][1]}
    for role in ("names", "identifiers", "countries"):
        file, rows = tables.get(role, (None, []))
        for line, row in rows:
            held = subjects.get(row["unique_id"])
            if held is None:
                raise ListFormatError(f"{file.name} line {line}",
                                      f"names subject {row['unique_id']!r}, not in subjects.csv")
            held[role].append(row)
    updated = [iso_date(row["last_updated"]) for _, row in tables["subjects"][1]]
    entries = [entry for key, held in subjects.items() if (entry := _entry(key, held))]
    return ParsedList("uk", max((day for day in updated if day), default=None), entries)


def _table(file: ListFile) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    reader = csv.DictReader(io.StringIO(text_of(file), newline=""), strict=True)
    header = set(reader.fieldnames or ())
    role = next((role for role, needed in HEADERS.items() if needed <= header), None)
    if role is None:
        raise ListFormatError(f"{file.name} line 1", "not a UK Sanctions List table "
                                                    "(subjects, names, identifiers, countries)")
    rows = []
    try:
        for row in reader:
            if None in row or None in row.values():
                raise ListFormatError(f"{file.name} line {reader.line_num}",
                                      f"{len(header)} columns expected")
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ListFormatError(f"{file.name} line {reader.line_num}", str(exc)) from exc
    return role, rows


def _subject(file: ListFile, line: int, row: dict[str, str]) -> dict[str, Any]:
    if row["subject_type"] not in KINDS or not row["unique_id"].strip():
        raise ListFormatError(f"{file.name} line {line}",
                              f"subject_type {row['subject_type']!r} is not one of "
                              f"{', '.join(KINDS)}")
    return {"row": row, "names": [], "identifiers": [], "countries": []}


def _entry(key: str, held: dict[str, Any]) -> Entry | None:
    subject = held["row"]
    names = [clean(row["full_name"]) for row in sorted(
        held["names"], key=lambda row: row["name_type"] != "primary") if clean(row["full_name"])]
    if not names:
        return None  # a subject without a name cannot be screened against
    kind = KINDS[subject["subject_type"]]
    countries = [row["iso"].strip().upper() for row in held["countries"]
                 if row["country_type"] in ("address", "nationality") and len(
                     row["iso"].strip()) == 2]
    body = actor_body(kind, names[0], alias_names=names[1:], country_codes=countries,
                      identifiers=list(_identifiers(held["identifiers"])),
                      listing={"list": SOURCES["uk"], "date": iso_date(
                          subject["date_designated"]) or "", "reference": key})
    extra: dict[str, Any] = {"regime": key.rstrip("0123456789")}
    for member in ("un_reference_number", "ofsi_group_id"):
        if clean(subject.get(member)):
            extra[member] = clean(subject[member])
    national = sorted({clean(row["raw_value"]) for row in held["identifiers"]
                       if row["identifier_type"] == "national"})
    if national:
        extra["national_ids"] = national
    return Entry(key, body, extra)


def _identifiers(rows: list[dict[str, str]]) -> Iterator[dict[str, str] | None]:
    for row in rows:
        kind, value = row["identifier_type"], row["raw_value"]
        if kind == "business_registration_numbers":
            yield from registry_identifiers(value, "registration")
        elif kind == "imo":
            yield identifier("imo", value)
        elif kind == "passport":
            yield identifier("passport", value)
