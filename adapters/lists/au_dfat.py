"""Australia's DFAT Consolidated List as the published workbook (xlsx, one sheet).

One row per name: ``Reference`` (``2`` for the primary name, ``2a``, ``2b`` for the others),
``Name of Individual or Entity``, ``Type``, ``Name Type`` (Primary Name, aka, Original
Script...), ``Date of Birth``, ``Place of Birth``, ``Citizenship``, ``Address``, ``Additional
Information``, ``Listing Information``, ``Committees`` (the regime) and ``Control Date``. An
entry is the rows of one reference number. An xlsx file is a zip archive: members that
would unpack to more than ``MAX_UNPACKED`` bytes are refused before anything is unpacked.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

from enforce_share.lists.entries import SOURCES, Entry, ListFile, ListFormatError, ParsedList

from .common import (
    actor_body,
    address,
    clean,
    countries,
    iso_date,
    only,
    published_from_name,
)

HEADER = ("Reference", "Name of Individual or Entity", "Type", "Name Type", "Date of Birth",
          "Place of Birth", "Citizenship", "Address", "Additional Information",
          "Listing Information", "Committees", "Control Date")
KINDS = {"individual": "person", "entity": "company"}
MAX_UNPACKED = 512 * 1024 * 1024
_REFERENCE = re.compile(r"^([0-9]+)[a-z0-9]*$")  # 2, 2a, 34c1
_LISTED = re.compile(r"([0-9]{1,2} [A-Z][a-z]{2,8}\.? [0-9]{4})")
_ITEMS = re.compile(r"(?:^|\s)[a-z]\)\s+")


def read(files: Sequence[ListFile]) -> ParsedList:
    """The list of one workbook."""
    file = only(files, "xlsx")
    rows = _rows(file)
    grouped: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
    for line, row in rows:
        found = _REFERENCE.match(clean(row[0]))
        if found is None or clean(row[2]).lower() not in KINDS or not clean(row[1]):
            raise ListFormatError(f"{file.name} row {line}", "needs a Reference (2, 2a...), "
                                                             "a name and a Type")
        grouped.setdefault(found.group(1), []).append((line, row))
    entries = [_entry(key, group) for key, group in grouped.items()]
    return ParsedList("au-dfat", published_from_name([file]), entries)


def _rows(file: ListFile) -> list[tuple[int, tuple[Any, ...]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.content))
        unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise ListFormatError(file.name, f"would unpack to {unpacked:,} bytes: refused")
        book = load_workbook(io.BytesIO(file.content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ListFormatError(file.name, f"not an xlsx workbook ({exc})") from exc
    sheet = book.worksheets[0]
    found: list[tuple[int, tuple[Any, ...]]] = []
    for line, row in enumerate(sheet.iter_rows(max_col=len(HEADER), values_only=True), 1):
        if line == 1:
            if tuple(clean(cell) for cell in row) != HEADER:
                raise ListFormatError(f"{file.name} row 1", "not the DFAT consolidated list "
                                                            f"header ({', '.join(HEADER[:4])}…)")
            continue
        if any(cell is not None and clean(cell) for cell in row):
            found.append((line, row))
    book.close()
    if not found:
        raise ListFormatError(file.name, "no entries")
    return found


def _entry(key: str, rows: list[tuple[int, tuple[Any, ...]]]) -> Entry:
    primary = next((row for _, row in rows if clean(row[3]).lower() == "primary name"),
                   rows[0][1])
    names = [clean(row[1]) for _, row in rows]
    places = [address([part]) for part in _ITEMS.split(clean(primary[7], 1000))
              if clean(part) and clean(part).upper() not in ("NA", "N/A")]
    for place in places:
        code = countries([place["text"].rsplit(",", 1)[-1]])
        if code:
            place["country"] = code[0]
    codes = countries(part for part in _ITEMS.split(clean(primary[6])) if part)
    codes += [place["country"] for place in places if "country" in place]
    listed = _LISTED.search(clean(primary[9]))
    body = actor_body(KINDS[clean(primary[2]).lower()], clean(primary[1]), alias_names=names,
                      country_codes=codes, addresses=places,
                      listing={"list": SOURCES["au-dfat"], "reference": key,
                               "date": (iso_date(listed.group(1).replace(".", ""))
                                        if listed else None) or ""})
    extra: dict[str, Any] = {"programs": [clean(primary[10])] if clean(primary[10]) else []}
    for index, name in ((4, "dates_of_birth"), (8, "remarks"), (9, "listing_information")):
        if clean(primary[index], 2000):
            extra[name] = clean(primary[index], 2000)
    if iso_date(primary[11]):
        extra["control_date"] = iso_date(primary[11])
    return Entry(key, body, extra)
