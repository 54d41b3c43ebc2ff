"""The public list as CSV: one row per actor, a list's values joined with ``; ``.

A cell that would begin a spreadsheet formula (``=``, ``+``, ``-``, ``@``) is written with a
leading ``'``, as the standard CSV export writes it: a name from a record must not run as a
formula in the spreadsheet of whoever opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from ..exports.csv import safe

COLUMNS = ("id", "kind", "name", "aliases", "countries", "addresses", "identifiers",
           "identified_by", "identification_dates", "references", "records")


def to_csv(entries: Iterable[dict[str, Any]]) -> str:
    """The entries as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        found = entry["identifications"]
        row = [entry["id"], entry["kind"], entry["name"], "; ".join(entry["aliases"]),
               "; ".join(entry["countries"]), "; ".join(entry["addresses"]),
               "; ".join(f"{i['scheme']}:{i['value']}" for i in entry["identifiers"]),
               "; ".join(entry["identified_by"]), "; ".join(f["date"] for f in found),
               "; ".join(f"{f['agency']}: {f['reference']}" for f in found if "reference" in f),
               "; ".join(entry["records"])]
        writer.writerow([safe(str(cell)) for cell in row])
    return out.getvalue()
