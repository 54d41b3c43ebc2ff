"""/api/v1/feed: a log as held here, for partner nodes that sign their requests (RFC 9421)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from ..schemas.api import FeedPageSchema, FeedQuerySchema, SyncStatusSchema
from ..sync.httpsig import Message, Unauthenticated
from .records import node

#: Security-relevant events; the audit trail of a later issue will store them too.
audit = logging.getLogger("enforce_share.audit")

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
def feed(query: dict[str, Any]) -> Response:
    """Entries of one origin's log after a seq: records the caller may see, else placeholders."""
    try:
        caller = node().authenticate_partner(signed_message())
    except Unauthenticated as refused:
        audit.warning("feed refused: from=%s origin=%s reason=%s", request.remote_addr,
                      query["origin"], refused.message)
        raise
    text, count = node().feed(caller.agency, **query)
    audit.info("feed served: to=%s kid=%s origin=%s after=%d entries=%d", caller.agency,
               caller.kid, query["origin"], query["after"], count)
    # Stored records are sent as the exact canonical text they were signed over.
    return Response(text, status=200, mimetype="application/json")


@blp.route("/sync/status")
@blp.response(200, SyncStatusSchema)
def status() -> dict[str, Any]:
    """Per peer and origin: last success, lag in records, errors, quarantined count."""
    return node().sync_status()
