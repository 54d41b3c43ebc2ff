"""/api/v1/cases/<id>/brief: a joint-investigation brief of a case, for liaison officers."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import RAISE, fields, validate

from ..access.roles import LIAISON
from ..briefs.service import FORMATS, make_brief
from ..records.fields import MemberAgency
from ..records.schema import Strict
from .auth import Blueprint, audited, node, principal

blp = Blueprint("briefs", __name__, url_prefix="/api/v1",
                description="Joint-investigation briefs of cases, from records the caller's "
                            "agency may see")

BRIEF_FORMATS = ("pdf", "html", "md", "bundle")


class BriefQuerySchema(Strict):
    format = fields.String(load_default="pdf", validate=validate.OneOf(BRIEF_FORMATS),
                           metadata={"description": "pdf, html or md: the brief; bundle: the "
                                                    "companion signed bundle (JSON Lines, the "
                                                    "offline-exchange format)."})
    for_ = MemberAgency(data_key="for", metadata={
        "description": "format=bundle only: the agency it is for (records go in full where "
                       "that agency may see them); default the caller's."})


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@blp.route("/cases/<case_id>/brief")
@blp.requires(LIAISON)
@blp.arguments(BriefQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
@blp.doc(responses={"200": {"description": "The brief (or its companion bundle) as a file",
                            "content": {media.split(";")[0]: _BINARY
                                        for media in FORMATS.values()}}})
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(410, response="GONE")
def brief(query: dict[str, Any], case_id: str) -> Response:
    """The brief of a case: marking banner, summary, timeline, actor network, items, routes,
    methods, red flags and each record's provenance (pdf, html, md), or the signed bundle of
    its records (bundle). Audited with its marking and digest."""
    made = make_brief(node(), case_id, principal().agency, query["format"],
                      recipient=query.get("for_"))
    audited(**made.audit_target())
    return Response(made.content, content_type=made.media_type, headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"'})
