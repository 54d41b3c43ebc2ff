"""Node identity: who this node is, its public keys, and signed checkpoints of logs."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..access.roles import ADMIN, ANALYST, NODE
from .auth import Blueprint, node
from .schemas import CheckpointQuerySchema, JWKSetSchema, NodeSchema, SignedCheckpointSchema

blp = Blueprint("node", __name__, url_prefix="/api/v1", description="This node and its logs")
well_known = Blueprint("well_known", __name__, url_prefix="/.well-known/enforce-share",
                       description="Discovery documents")


@blp.route("/node")
@blp.response(200, NodeSchema)
def describe() -> dict[str, Any]:
    """Agency and key ids, for anyone (the log's head is in the signed checkpoint:
    ``/api/v1/checkpoints/<agency>``, for users and partners)."""
    return {**node().describe(), "version": __version__}


@blp.route("/checkpoints/<string:origin>")
@blp.requires(ANALYST, ADMIN, NODE)
@blp.arguments(CheckpointQuerySchema, location="query")
@blp.response(200, SignedCheckpointSchema)
@blp.alt_response(404, response="NOT_FOUND")
def checkpoint(query: dict[str, Any], origin: str) -> dict[str, Any]:
    """The latest signed checkpoint held for an origin's log, or the one held at ``seq``
    (a fork's evidence names the seqs of the two checkpoints that cannot both hold)."""
    return node().checkpoint(origin, query.get("seq"))


@well_known.route("/jwks.json")
@well_known.response(200, JWKSetSchema)
def jwks() -> dict[str, Any]:
    """This node's public keys (JWK Set) with validity and revocation."""
    return node().jwks()
