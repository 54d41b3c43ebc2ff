"""/api/v1/records: write a record, read one with its versions, list them."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView

from ..access.roles import ANALYST
from ..records.drafts import Draft
from ..records.queries import signed
from ..records.schema import DraftSchema
from ..records.service import record_view, records_page
from .auth import Blueprint, audited, node, principal
from .schemas import (
    RecordPageSchema,
    RecordQuerySchema,
    RecordViewSchema,
    SignedRecordSchema,
)

blp = Blueprint("records", __name__, url_prefix="/api/v1/records",
                description="Signed enforcement records of every origin held by this node")


@blp.route("")
class Records(MethodView):
    @blp.requires(ANALYST)
    @blp.arguments(RecordQuerySchema, location="query")
    @blp.response(200, RecordPageSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """List records, newest first (latest versions unless include_superseded)."""
        items, following = records_page(node(), principal().agency, **query)
        audited(records=[item["record"]["id"] for item in items])
        return {"items": items, "next": following}

    @blp.requires(ANALYST)
    @blp.arguments(DraftSchema)
    @blp.response(201, SignedRecordSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, draft: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Write a record: the node fills id, origin, seq and created, signs and stores it."""
        (row,) = node().add_records([Draft(**draft)])
        audited(records=[row.id])
        location = url_for("records.Record", record_id=row.id)
        return signed(row), 201, {"Location": location}


@blp.route("/<string:record_id>")
class Record(MethodView):
    @blp.requires(ANALYST)
    @blp.response(200, RecordViewSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(410, response="GONE")
    def get(self, record_id: str) -> dict[str, Any]:
        """One record, its hash, and every version of it held here (oldest first)."""
        return record_view(node(), record_id, viewer=principal().agency)
