"""Exports as the API and the CLI ask for them: a search's records in a standard format
(STIX 2.1, CSV) or as a signed bundle partners verify.

Each export reads in one session: the search's pages (under the viewer's marks), then the
rows it needs to write them out. What it returns names the records it holds, for the audit
trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..node import Node
from ..search.query import Query
from ..signing.node_keys import current_signer
from ..signing.trust import TrustRegistry
from ..sync.bundle import export_selection
from . import csv, stix_bundle, taxii
from .schema import EXPORT_DEFAULT
from .selection import Selection, select


@dataclass(frozen=True)
class Export:
    """An export's text, its media type, the records it holds and how many matched."""

    text: str
    media_type: str
    records: list[str]
    total: int


def _selection(node: Node, query: Query, viewer: str, limit: int) -> Selection:
    with node.reading() as session:
        return select(session, node.postings, TrustRegistry.load(session), query, viewer, limit)


def stix(node: Node, query: Query, viewer: str, limit: int = EXPORT_DEFAULT) -> Export:
    """A STIX 2.1 bundle of what ``query`` finds for users of ``viewer``'s agency."""
    with node.reading() as session:
        found = select(session, node.postings, TrustRegistry.load(session), query, viewer,
                       limit)
        bundle = stix_bundle.stix_bundle(session, [hit.row for hit in found.hits], viewer)
    held = {item["x_enforce_share_record_id"] for item in bundle["objects"]
            if "x_enforce_share_record_id" in item}
    return Export(stix_bundle.dumps(bundle), stix_bundle.MEDIA_TYPE, sorted(held), found.total)


def table(node: Node, query: Query, viewer: str, limit: int = EXPORT_DEFAULT) -> Export:
    """CSV of what ``query`` finds for users of ``viewer``'s agency, one row per record."""
    found = _selection(node, query, viewer, limit)
    return Export(csv.to_csv(found.hits), csv.MEDIA_TYPE, found.record_ids, found.total)


@dataclass(frozen=True)
class Bundled:
    """What a signed bundle holds in full, what it left out (and why), how many matched."""

    records: list[str]
    withheld: dict[str, str]
    total: int


def signed_bundle(node: Node, query: Query, viewer: str,
                  write: Callable[[dict[str, Any]], None], limit: int = EXPORT_DEFAULT,
                  recipient: str | None = None) -> Bundled:
    """Write the signed bundle (the offline-exchange format, ``sync.bundle``) of what
    ``query`` finds for ``viewer``'s agency, for ``recipient``'s (default the viewer's):
    records in full where the recipient may see them, placeholders keeping each log's chain."""
    with node.reading() as session:
        found = select(session, node.postings, TrustRegistry.load(session), query, viewer,
                       limit)
        written = export_selection(session, node.agency, recipient or viewer,
                                   found.record_ids, write, signer=current_signer(
                                       session, node.agency, node.config.keys_dir))
    return Bundled(written.written, written.withheld, found.total)


def taxii_page(node: Node, viewer: str, collection_id: str, filters: taxii.Filters, limit: int,
               cursor: str | None = None) -> taxii.Page:
    """Up to ``limit`` objects of a TAXII collection for users of ``viewer``'s agency."""
    with node.reading() as session:
        return taxii.page(session, viewer, collection_id, filters, limit, cursor)
