"""/api/v1/audit: the audit trail, for administrators."""

from __future__ import annotations

from typing import Any

from ..access.roles import ADMIN
from ..audit.service import audit_page, verify_audit
from .auth import Blueprint, node
from .schemas import AuditPageSchema, AuditQuerySchema, AuditVerdictSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail")


@blp.route("/audit")
@blp.requires(ADMIN)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def entries(query: dict[str, Any]) -> dict[str, Any]:
    """Entries newest first, by user (actor), record id and time (``from`` ≤ at < ``to``);
    what each request asked is shown by parameter name, its values withheld (searches are
    intelligence, which administrators may not read)."""
    return audit_page(node(), query)


@blp.route("/audit/verify")
@blp.requires(ADMIN)
@blp.response(200, AuditVerdictSchema)
def verify() -> dict[str, Any]:
    """The trail's hash chain recomputed and held against the heads anchored in the node's
    signed log (which partners hold): intact, or the first entry altered or removed."""
    verdict, anchored = verify_audit(node())
    return {"entries": verdict.entries, "head": verdict.head, "anchors": anchored,
            "intact": verdict.problem is None, "problem": verdict.problem}
