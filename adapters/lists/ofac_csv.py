"""The OFAC SDN list in its legacy CSV files: SDN.CSV, with ALT.CSV and ADD.CSV beside it.

Treasury's legacy format has no header and is Latin-1; ``-0-`` means empty. SDN.CSV has 12
columns (ent_num, name, type, programmes, title, call sign, vessel type, tonnage, GRT, flag,
owner, remarks), ALT.CSV 5 (ent_num, alt_num, type, name, remarks), ADD.CSV 6 (ent_num,
add_num, address, city/state/postal code, country, remarks); each ends with a line holding
only ``\\x1a``. The remarks hold what the CSV has no column for: a.k.a. names, tax and
registration numbers, IMO numbers, websites, nationalities. Files are told apart by their
column count, so they may be given in any order. Alternate names and addresses of entries
the SDN file does not hold (ALT and ADD may be newer) are left out and counted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from enforce_share.lists.entries import SOURCES, Entry, ListFile, ListFormatError, ParsedList

from .common import (
    actor_body,
    address,
    clean,
    country_code,
    identifier,
    published_from_name,
    registry_identifiers,
    text_of,
)

COLUMNS = {12: "sdn", 5: "alt", 6: "add"}
KINDS = {"-0-": "company", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
EMPTY = "-0-"
_AKA = re.compile(r"\b[afn]\.k\.a\. '([^']+)'")
#: Remark labels (and XML idType values) -> how the number is read.
LABELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Tax ID No\.|V\.A\.T\. Number|R\.F\.C\."), "tax"),
    (re.compile(r"Legal Entity Number"), "lei"),
    (re.compile(r"D-U-N-S Number"), "duns"),
    (re.compile(r"IMO|Vessel Registration Identification"), "imo"),
    (re.compile(r"Passport"), "passport"),
    (re.compile(r"Website"), "website"),
    (re.compile(r"Email Address"), "email"),
    (re.compile(r"Phone Number|Telephone"), "phone"),
    (re.compile(r"Registration (?:Number|ID)|Company Number|Commercial Registry Number|"
                r"Government Gazette Number|Unified Social Credit Code|Trade License|"
                r"Registration"), "registration"),
)
_REMARK = re.compile(r"^(?:alt\. )?(?P<label>(?=[A-Z])[A-Za-z .()/-]*(?:No\.|Number|ID|IMO|"
                     r"Identification|Website|Address|Passport|License|Telephone|"
                     r"\(USCC\)))\s+(?P<value>[^(]+?)\s*(?:\((?P<country>[^)]*)\))?\.?$")
_NATIONALITY = re.compile(r"^(?:nationality|citizen) (.+?)\.?$")


def read(files: Sequence[ListFile]) -> ParsedList:
    """The SDN list from SDN.CSV and, if given, ALT.CSV and ADD.CSV."""
    tables: dict[str, tuple[ListFile, list[list[str]]]] = {}
    for file in files:
        rows = _rows(file)
        role = COLUMNS.get(len(rows[0]) if rows else 0)
        if role is None:
            raise ListFormatError(f"{file.name} line 1", "not an OFAC legacy CSV file (12, 5 "
                                                        "or 6 columns: SDN, ALT or ADD)")
        if role in tables:
            raise ListFormatError(file.name, f"a second {role.upper()} file")
        tables[role] = (file, rows)
    if "sdn" not in tables:
        raise ListFormatError(", ".join(file.name for file in files), "no SDN file (12 columns)")
    entries = {row[0]: _entry(row) for row in tables["sdn"][1]}
    notes = []
    for role, attach in (("alt", _alias), ("add", _address)):
        if role in tables:
            left = sum(not attach(entries.get(row[0]), row) for row in tables[role][1])
            if left:
                notes.append(f"{left:,} {role.upper()} rows name entries not in the SDN file")
    return ParsedList("ofac-sdn", published_from_name([tables["sdn"][0]]),
                      [Entry(key, body, extra) for key, (body, extra) in entries.items()], notes)


def _rows(file: ListFile) -> list[list[str]]:
    """The rows of one file, every one of the same width; a short row (a truncated file)
    names its line."""
    reader = csv.reader(io.StringIO(text_of(file, "latin-1"), newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if row in ([], ["\x1a"]):  # the end-of-file mark Treasury's files carry
                continue
            if rows and len(row) != len(rows[0]):
                raise ListFormatError(f"{file.name} line {reader.line_num}",
                                      f"{len(row)} columns where the file has {len(rows[0])}")
            rows.append(row)
    except csv.Error as exc:
        raise ListFormatError(f"{file.name} line {reader.line_num}", str(exc)) from exc
    if not rows:
        raise ListFormatError(file.name, "no rows")
    if "sdn" == COLUMNS.get(len(rows[0])):
        for number, row in enumerate(rows, 1):
            if not row[0].strip().isdigit() or row[2].strip() not in KINDS:
                raise ListFormatError(f"{file.name} line {number}",
                                      "not an SDN entry (ent_num and type)")
    return rows


def _value(cell: str) -> str:
    text = clean(cell, 2000)
    return "" if text == EMPTY else text


def _entry(row: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    key, name, kind = row[0].strip(), _value(row[1]), KINDS[row[2].strip()]
    remarks = _value(row[11])
    names = _AKA.findall(remarks)
    identifiers, nationalities, other = remark_facts(remarks)
    if _value(row[5]):
        other["call_sign"] = _value(row[5])
    body = actor_body(kind, name, alias_names=names,
                      country_codes=nationalities + ([code] if (code := country_code(
                          _value(row[9]))) and kind == "vessel" else []),
                      identifiers=identifiers,
                      listing={"list": SOURCES["ofac-sdn"], "reference": key})
    programs = [program.strip() for program in _value(row[3]).split("] [") if program.strip()]
    extra = {"programs": programs, **other}
    if remarks:
        extra["remarks"] = remarks
    if _value(row[4]):
        extra["title"] = _value(row[4])
    return body, extra


def remark_facts(remarks: str) -> tuple[list[dict[str, str] | None], list[str], dict[str, Any]]:
    """Identifiers, nationalities and other facts (dates of birth, links) in SDN remarks."""
    identifiers: list[dict[str, str] | None] = []
    nationalities: list[str] = []
    other: dict[str, list[str]] = {}
    for part in (piece.strip() for piece in remarks.split(";")):
        if part.startswith(("a.k.a.", "f.k.a.", "n.k.a.")):
            continue
        if found := _NATIONALITY.match(part):
            if code := country_code(found.group(1)):
                nationalities.append(code)
        elif part.startswith("DOB "):
            other.setdefault("dates_of_birth", []).append(part[4:].rstrip("."))
        elif part.startswith("Linked To: "):
            other.setdefault("linked_to", []).append(part[11:].rstrip("."))
        elif found := _REMARK.match(part):
            identifiers += identifiers_of(found["label"], found["value"], found["country"])
    return identifiers, nationalities, other


def identifiers_of(label: str, value: str, country: str | None) -> list[dict[str, str] | None]:
    """The identifiers a labelled number gives (``Tax ID No.`` ``7704...`` ``Russia``)."""
    reading = next((reading for pattern, reading in LABELS if pattern.search(label)), None)
    if reading is None:
        return []
    code = country_code(country) if country else None
    if reading in ("tax", "registration"):
        return list(registry_identifiers(value, reading, code))
    if reading == "imo":
        return [identifier("imo", value.split()[-1])]
    return [identifier(reading, value)]


def _alias(entry: tuple[dict[str, Any], dict[str, Any]] | None, row: list[str]) -> bool:
    if entry is None:
        return False
    name = _value(row[3])
    body = entry[0]
    if name and name != body["name"] and {"name": name} not in body.setdefault("aliases", []):
        body["aliases"].append({"name": name})
    return True


def _address(entry: tuple[dict[str, Any], dict[str, Any]] | None, row: list[str]) -> bool:
    if entry is None:
        return False
    body = entry[0]
    found = address([_value(row[2]), _value(row[3]), _value(row[4])], _value(row[4]))
    if found["text"] and found not in body.setdefault("addresses", []):
        body["addresses"].append(found)
    if "country" in found and found["country"] not in body.setdefault("countries", []):
        body["countries"].append(found["country"])
    return True
