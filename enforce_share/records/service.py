"""Reading records as the API and the CLI ask for them, each in one session of the node."""

from __future__ import annotations

from typing import Any

from ..markings import visible
from ..node import Node
from .queries import disavowal, get_record, history, list_records, signed


def records_page(node: Node, viewer: str, **query: Any) -> tuple[list[dict[str, Any]], Any]:
    """A page of signed records ``viewer``'s agency may see (``queries.list_records``'
    filters), newest first, and the cursor of the next page."""
    with node.reading() as session:
        page = list_records(session, viewer=viewer, **query)
        return [signed(row) for row in page.rows], page.next


def record_view(node: Node, record_id: str, viewer: str | None = None) -> dict[str, Any]:
    """One signed record with its hash and every version of it held here that ``viewer``'s
    agency may see, oldest first (every version for the node's operator: no viewer), and
    the disavowal that names it, if any (then it is never current). NotFound, or Gone once
    withdrawn (``queries.get_record``)."""
    with node.reading() as session:
        row = get_record(session, record_id, viewer=viewer)
        versions = [version for version in history(session, row) if viewer is None
                    or visible(viewer, version.origin, version.tlp, version.releasable_to)]
        return {
            **signed(row),
            "hash": row.record_hash,
            "latest": versions[-1].id,
            "versions": [{"id": v.id, "seq": v.seq, "created": v.created,
                          "disavowed": v.disavowed_by is not None} for v in versions],
            "disavowed": disavowal(session, row),
        }
