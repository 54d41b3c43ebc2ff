"""/api/v1/export/stix and /api/v1/export/csv: a search's records as a STIX 2.1 bundle or CSV."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import RAISE

from ..access.roles import ANALYST
from ..exports import service
from ..exports.service import Export
from ..schemas.exports import ExportQuerySchema
from ..search.query import Query
from .auth import Blueprint, audited, node, principal

blp = Blueprint("exports", __name__, url_prefix="/api/v1/export",
                description="Standard exports of what a search finds for the caller's agency")

HEADERS = {"X-Total-Count": {"description": "How many records matched (the export holds "
                                            "at most `limit` of them).",
                             "schema": {"type": "integer"}},
           "Content-Disposition": {"description": "A file name to save the export as.",
                                   "schema": {"type": "string"}}}


def download(export: Export, filename: str) -> Response:
    """The export as a file to save; its records go into the audit entry."""
    audited(records=export.records)
    return Response(export.text, status=200, content_type=export.media_type, headers={
        "X-Total-Count": str(export.total),
        "Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/stix")
@blp.requires(ANALYST)
@blp.arguments(ExportQuerySchema, location="query", unknown=RAISE)
@blp.response(200, {"type": "object", "description": "A STIX 2.1 bundle."},
              content_type="application/stix+json;version=2.1", headers=HEADERS)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(410, response="GONE")
def stix(query: dict[str, Any]) -> Response:
    """What the search finds (or a case: `case=<id>`) as a STIX 2.1 bundle: actors as
    identity or threat-actor, violations and trends as reports, cases as groupings, links and
    parties as relationships, each marked with its TLP 2.0 marking definition."""
    export = service.stix(node(), Query.of(query), principal().agency, query["limit"])
    return download(export, "enforce-share.stix.json")


@blp.route("/csv")
@blp.requires(ANALYST)
@blp.arguments(ExportQuerySchema, location="query", unknown=RAISE)
@blp.response(200, {"type": "string"}, content_type="text/csv", headers=HEADERS)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(410, response="GONE")
def csv(query: dict[str, Any]) -> Response:
    """What the search finds as CSV: one row per record, the body in dotted columns."""
    export = service.table(node(), Query.of(query), principal().agency, query["limit"])
    return download(export, "enforce-share.csv")
