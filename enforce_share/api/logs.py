"""/api/v1/logs/<origin>/proof: RFC 9162 proofs over an origin's log as held here."""

from __future__ import annotations

from typing import Any

from ..access.roles import ADMIN, ANALYST, NODE
from .auth import Blueprint, node
from .schemas import (
    ConsistencyProofSchema,
    ConsistencyQuerySchema,
    InclusionProofSchema,
    InclusionQuerySchema,
)

blp = Blueprint("logs", __name__, url_prefix="/api/v1/logs",
                description="Merkle tree proofs over each origin's log (RFC 9162)")


# Who may ask: whoever may read the checkpoints. A proof holds hashes of stubs only, and a
# log's stubs are what every partner is sent anyway (placeholders).
@blp.route("/<string:origin>/proof/inclusion")
@blp.requires(ANALYST, ADMIN, NODE)
@blp.arguments(InclusionQuerySchema, location="query")
@blp.response(200, InclusionProofSchema)
@blp.alt_response(404, response="NOT_FOUND")
def inclusion(query: dict[str, Any], origin: str) -> dict[str, Any]:
    """The audit path of entry ``seq`` in the tree of the log's first ``size`` entries."""
    return node().inclusion_proof(origin, query["seq"], query["size"])


@blp.route("/<string:origin>/proof/consistency")
@blp.requires(ANALYST, ADMIN, NODE)
@blp.arguments(ConsistencyQuerySchema, location="query")
@blp.response(200, ConsistencyProofSchema)
@blp.alt_response(404, response="NOT_FOUND")
def consistency(query: dict[str, Any], origin: str) -> dict[str, Any]:
    """The proof that the tree of ``from`` entries is a prefix of the tree of ``to``."""
    return node().consistency_proof(origin, query["first"], query["second"])
