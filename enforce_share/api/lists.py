"""GET /api/v1/lists: the reference lists this node holds, with each import's provenance."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from ..access.roles import ADMIN, ANALYST
from ..lists.service import held
from .auth import Blueprint, node

blp = Blueprint("lists", __name__, url_prefix="/api/v1",
                description="Reference lists (official screening lists, the CHPL) held here")


class ListStatusSchema(Schema):
    source = fields.String(required=True)
    name = fields.String(required=True)
    current = fields.Integer(required=True, metadata={"description": "Entries listed now."})
    delisted = fields.Integer(required=True, metadata={
        "description": "Entries removed by a later import, kept as history."})
    imports = fields.Integer(required=True)
    latest = fields.Dict(allow_none=True, required=True, metadata={
        "description": "The latest import: id, published, imported, sha256, files, via, "
                       "entries, added, changed, removed, notes."})


@blp.route("/lists")
@blp.requires(ANALYST, ADMIN)
@blp.response(200, ListStatusSchema(many=True))
def lists_held() -> list[dict[str, Any]]:
    """Each source: entries current and delisted, and its latest import's provenance."""
    return held(node())
