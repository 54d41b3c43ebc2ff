"""The Common High Priority List (BIS, EU, UK, Japan) as a CSV of HS-6 codes and tiers.

Columns ``tier`` (1, 2, 3.A, 3.B, 4.A, 4.B: tier 1, integrated circuits, is what Russia's
weapons programmes seek most), ``hs6`` and ``group`` (what the heading covers).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from enforce_share.lists.entries import Entry, ListFile, ListFormatError, ParsedList

from .common import clean, only, published_from_name, text_of

TIERS = ("1", "2", "3.A", "3.B", "4.A", "4.B")
_HS6 = re.compile(r"^[0-9]{6}$")


def read(files: Sequence[ListFile]) -> ParsedList:
    """The CHPL of one CSV file."""
    file = only(files, "CSV")
    reader = csv.DictReader(io.StringIO(text_of(file), newline=""), strict=True)
    if not {"tier", "hs6"} <= set(reader.fieldnames or ()):
        raise ListFormatError(f"{file.name} line 1", "not the CHPL (tier, hs6, group)")
    entries: dict[str, Entry] = {}
    try:
        for row in reader:
            where = f"{file.name} line {reader.line_num}"
            tier, hs6 = clean(row.get("tier")), clean(row.get("hs6"))
            if tier not in TIERS or not _HS6.match(hs6) or None in row:
                raise ListFormatError(where, f"needs a tier ({', '.join(TIERS)}) and a "
                                             "six-digit hs6")
            if hs6 in entries:
                raise ListFormatError(where, f"repeats {hs6}")
            entries[hs6] = Entry(hs6, {"hs6": hs6, "tier": tier,
                                       "group": clean(row.get("group"), 300)})
    except csv.Error as exc:
        raise ListFormatError(f"{file.name} line {reader.line_num}", str(exc)) from exc
    if not entries:
        raise ListFormatError(file.name, "no rows")
    return ParsedList("chpl", published_from_name([file]), list(entries.values()))
