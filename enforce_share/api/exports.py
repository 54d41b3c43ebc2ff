"""/api/v1/export/stix|csv|bundle: a search's records as STIX 2.1, CSV or a signed bundle."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from marshmallow import RAISE

from ..access.roles import ANALYST
from ..exports import service
from ..exports.schema import ExportBundleQuerySchema, ExportQuerySchema
from ..exports.selection import query_of
from ..exports.service import Export
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
    export = service.stix(node(), query_of(query), principal().agency, query["limit"])
    return download(export, "enforce-share.stix.json")


@blp.route("/csv")
@blp.requires(ANALYST)
@blp.arguments(ExportQuerySchema, location="query", unknown=RAISE)
@blp.response(200, {"type": "string"}, content_type="text/csv", headers=HEADERS)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(410, response="GONE")
def csv(query: dict[str, Any]) -> Response:
    """What the search finds as CSV: one row per record, the body in dotted columns."""
    export = service.table(node(), query_of(query), principal().agency, query["limit"])
    return download(export, "enforce-share.csv")


@blp.route("/bundle")
@blp.requires(ANALYST)
@blp.arguments(ExportBundleQuerySchema, location="query", unknown=RAISE)
@blp.response(200, {"type": "string", "description": "JSON Lines: a selection bundle, "
                                                    "the offline-exchange format to check "
                                                    "with `enforce-share bundle verify` "
                                                    "(`bundle import` refuses it)."},
              content_type="application/x-ndjson", headers={
                  **HEADERS, "X-Withheld-Count": {
                      "description": "Records found but left out: not released to the agency "
                                     "the bundle is for, or past the newest checkpoint held.",
                      "schema": {"type": "integer"}}})
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(410, response="GONE")
def bundle(query: dict[str, Any]) -> Response:
    """What the search finds as a signed bundle for an agency (`for`, default yours): each
    record with its origin's signature, placeholders and signed checkpoints, so the
    recipient verifies every record, its log's hash chain and the checkpoint."""
    lines: list[bytes] = []
    written = service.signed_bundle(
        node(), query_of(query), principal().agency,
        lambda line: lines.append(json.dumps(line, ensure_ascii=False,
                                             separators=(",", ":")).encode() + b"\n"),
        query["limit"], query.get("for_"))
    audited(records=written.records, recipient=query.get("for_", principal().agency))
    return Response(b"".join(lines), status=200, content_type="application/x-ndjson", headers={
        "X-Total-Count": str(written.total), "X-Withheld-Count": str(len(written.withheld)),
        "Content-Disposition": 'attachment; filename="enforce-share.bundle.jsonl"'})
