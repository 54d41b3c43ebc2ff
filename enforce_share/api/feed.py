"""/api/v1/feed: a log as held here, for partner nodes that sign their requests (RFC 9421)."""

from __future__ import annotations

from typing import Any

from flask import Response

from ..access.roles import ADMIN, NODE
from .auth import Blueprint, audited, node, principal
from .schemas import FeedPageSchema, FeedQuerySchema, SyncStatusSchema

blp = Blueprint("feed", __name__, url_prefix="/api/v1",
                description="Node-to-node log feed (HTTP Message Signatures)")


@blp.route("/feed")
@blp.requires(NODE)
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, FeedPageSchema)
def feed(query: dict[str, Any]) -> Response:
    """Entries of one origin's log after a seq (a page ending at a checkpoint), or at the
    seqs asked for: records the caller may see, else placeholders (the records' stubs).

    Releasability is decided from the partner that signed the request, never a parameter.
    """
    if "seqs" in query:
        text, count = node().feed_seqs(principal().agency, query["origin"], query["seqs"])
    else:
        text, count = node().feed(principal().agency, query["origin"], query.get("after", 0),
                                  query["limit"])
    audited(entries=count)
    # Stored records are sent as the exact canonical text they were signed over.
    return Response(text, status=200, mimetype="application/json")


@blp.route("/sync/status")
@blp.requires(ADMIN)
@blp.response(200, SyncStatusSchema)
def status() -> dict[str, Any]:
    """Per peer and origin: last success, lag in records, errors, quarantined count."""
    return node().sync_status()
