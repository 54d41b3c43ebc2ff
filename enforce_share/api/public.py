"""GET /public/v1/diversionary-actors: the public list, for anyone, without credentials.

It holds only what the partners marked for the public (``public/selection.py``), so it takes
no login, reads no token or session and sets no cookie: whatever credentials a request
carries, the answer is the same. Being open to anyone, it is rate limited per address
(``public_rate_limit``, 60 a minute by default) instead of per token.
"""

from __future__ import annotations

from math import ceil
from time import time
from typing import Any

from flask import Response, current_app, request
from flask.blueprints import BlueprintSetupState
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.exceptions import TooManyRequests

from ..public.service import FORMATS, PublicList
from .auth import Blueprint, node

blp = Blueprint("public", __name__, url_prefix="/public/v1",
                description="The public list of diversionary actors the partners identified "
                            "(no credentials)")
PUBLIC = "enforce_share_public"


class PublicQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    format = fields.String(load_default="json", validate=validate.OneOf(tuple(FORMATS)),
                           metadata={"description": "json: the node's signed document; ftm: "
                                                    "FollowTheMoney entities (JSON lines); "
                                                    "csv."})


class PublicDocumentSchema(Schema):
    """The signed public list (its JSON Schema: schemas/public-list.json)."""

    document = fields.Dict(required=True, metadata={
        "description": "format, issuer (agency), issued (time), actors: each with id, kind, "
                       "name, aliases, countries, addresses, identifiers, identified_by, "
                       "identifications (agency, date, reference, authority, record), "
                       "records."})
    jws = fields.String(required=True, metadata={
        "description": "The issuing node's Ed25519 JWS over the RFC 8785 bytes of document "
                       "(compact, payload detached)."})


@blp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    """The list's cache and its own limiter; the node's limiter leaves it to that one (its
    key would read the session, and the answer depends on no credentials)."""
    config = state.app.extensions["enforce_share"].config
    for limiter in state.app.extensions.get("limiter", ()):
        limiter.exempt(blp)
    state.app.extensions[PUBLIC] = (
        PublicList(), MovingWindowRateLimiter(storage_from_string(config.rate_limit_storage)),
        parse(config.public_rate_limit))


@blp.before_request
def _limit() -> None:
    _, limiter, item = current_app.extensions[PUBLIC]
    address = request.remote_addr or "-"
    if not limiter.hit(item, "public", address):
        reset = limiter.get_window_stats(item, "public", address).reset_time
        error = TooManyRequests(f"Too many requests for the public list ({item})")
        error.data = {"headers": {"Retry-After": str(max(1, ceil(reset - time())))}}
        raise error


@blp.route("/diversionary-actors")
@blp.arguments(PublicQuerySchema, location="query")
@blp.response(200, PublicDocumentSchema, content_type="application/json")
@blp.doc(responses={"200": {"description": "The public list, in the format asked for.",
                             "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/PublicDocument"}},
    "application/x-ndjson": {"schema": {"type": "string", "description": (
        "FollowTheMoney entities, one per line: each actor (topic export.risk) and a "
        "Sanction entity per public identification.")}},
    "text/csv": {"schema": {"type": "string"}}}}})
def diversionary_actors(query: dict[str, Any]) -> Any:
    """Actors the partners publicly identified as diversionary (TLP:CLEAR records releasable
    to every partner, not withdrawn, with a public_identification action): with the agencies
    that identified each and the action's reference. ``json`` is signed by this node's key
    (JWS over RFC 8785; the key is in /.well-known/enforce-share/jwks.json)."""
    public_list: PublicList = current_app.extensions[PUBLIC][0]
    made = public_list.export(node(), query["format"])
    if query["format"] == "json":
        return made
    name = "diversionary-actors." + ("ftm.json" if query["format"] == "ftm" else "csv")
    return Response(made, status=200, content_type=f"{FORMATS[query['format']]}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
