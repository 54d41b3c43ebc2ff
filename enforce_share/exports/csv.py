"""Records as CSV (RFC 4180): one row per record, the body flattened into dotted columns.

Columns: the envelope (``id``, ``type``, ``origin``, ``seq``, ``created``, ``supersedes``,
``tlp``, ``releasable_to``, ``record_hash``, ``verified``), then ``body.<field>`` in
alphabetical order, nested objects as ``body.items.value.amount``. A list becomes one cell, its
values joined with ``"; "``; a list of objects becomes one column per key, joined in list
order (the n-th value of ``body.items.hs_code`` and of ``body.items.description`` belong to
the same item; an absent value is an empty string). Numbers are written as JSON writes them,
booleans as ``true``/``false``.

Spreadsheet safety (OWASP CSV injection): a cell that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is written with a leading ``'`` so that no spreadsheet runs it as
a formula (a phone number ``+374 …`` is written ``'+374 …``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from ..search.engine import Hit

ENVELOPE = ("id", "type", "origin", "seq", "created", "supersedes", "tlp", "releasable_to",
            "record_hash", "verified")
SEPARATOR = "; "
MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def scalar(value: Any) -> str:
    """One value as cell text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)  # numbers, true/false


def flatten(value: Any, path: str) -> dict[str, str]:
    """``value`` at ``path`` as columns: dotted paths to cell text."""
    if isinstance(value, dict):
        columns: dict[str, str] = {}
        for key, item in value.items():
            columns.update(flatten(item, f"{path}.{key}"))
        return columns
    if isinstance(value, list):
        if not any(isinstance(item, dict | list) for item in value):
            return {path: SEPARATOR.join(map(scalar, value))}
        flat = [flatten(item, path) for item in value]
        keys = dict.fromkeys(key for item in flat for key in item)
        return {key: SEPARATOR.join(item.get(key, "") for item in flat) for key in keys}
    return {path: scalar(value)}


def row_of(hit: Hit) -> dict[str, str]:
    """The columns of one found record."""
    record = json.loads(hit.row.canonical)
    envelope = {"id": record["id"], "type": record["type"], "origin": record["origin"],
                "seq": scalar(record["seq"]), "created": record["created"],
                "supersedes": scalar(record["supersedes"]), "tlp": record["marking"]["tlp"],
                "releasable_to": SEPARATOR.join(record["marking"]["releasable_to"]),
                "record_hash": hit.row.record_hash, "verified": scalar(hit.verified)}
    return {**envelope, **flatten(record["body"], "body")}


def safe(cell: str) -> str:
    """``cell``, with a ``'`` before anything a spreadsheet would read as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def to_csv(hits: Iterable[Hit]) -> str:
    """The CSV text of ``hits``: a header line, then one line per record."""
    rows = [row_of(hit) for hit in hits]
    body_columns = sorted({key for row in rows for key in row} - set(ENVELOPE))
    columns = [*ENVELOPE, *body_columns]
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: quotes where needed, CRLF line ends
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe(row.get(column, "")) for column in columns])
    return out.getvalue()
