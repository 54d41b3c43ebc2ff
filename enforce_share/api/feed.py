"""/api/v1/feed: a log as held here, for partner nodes that sign their requests (RFC 9421)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from ..schemas.api import FeedPageSchema, FeedQuerySchema, SyncStatusSchema
from ..sync.httpsig import Message
from .records import node

blp = Blueprint("feed", __name__, url_prefix="/api/v1",
                description="Node-to-node log feed (HTTP Message Signatures)")


def signed_message() -> Message:
    """The current request as the signature library reads it."""
    query = request.query_string.decode("ascii", "replace")
    url = request.host_url.rstrip("/") + request.path + (f"?{query}" if query else "")
    return Message(method=request.method, url=url, headers=request.headers)


@blp.route("/feed")
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, FeedPageSchema)
def feed(query: dict[str, Any]) -> dict[str, Any]:
    """Entries of one origin's log after a seq: records the caller may see, else placeholders."""
    caller = node().authenticate_partner(signed_message())
    return node().feed(caller.agency, **query)


@blp.route("/sync/status")
@blp.response(200, SyncStatusSchema)
def status() -> dict[str, Any]:
    """Per peer and origin: last success, lag in records, errors, quarantined count."""
    return node().sync_status()
