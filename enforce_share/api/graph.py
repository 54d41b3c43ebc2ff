"""/api/v1/entities, /api/v1/actors/<id>/matches, /api/v1/graph/...: the actor graph."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import RAISE, Schema, fields, validate

from ..access.roles import ANALYST
from ..errors import InvalidInput
from ..graph import analyses
from ..graph.picture import FORMATS, draw
from ..graph.questions import GraphQuestions
from ..records.fields import Country, RecordId, Text
from ..records.schema import Strict
from .auth import Blueprint, audited, node, principal

blp = Blueprint("graph", __name__, url_prefix="/api/v1",
                description="Resolved entities and the actor graph, from records the caller's "
                            "agency may see")

ANALYSIS_FORMATS = ("json", "svg", "png")


class EntitiesQuerySchema(Strict):
    min_agencies = fields.Integer(load_default=1, validate=validate.Range(1, 5), metadata={
        "description": "Only entities reported by at least this many agencies."})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    after = Text(200, metadata={"description": "Entity id to continue after (the last one "
                                               "of the previous page)."})


class EntitySchema(Schema):
    id = fields.String(metadata={"description": "Stable: the id of its earliest actor record."})
    name = fields.String()
    members = fields.List(fields.String(), metadata={"description": "Actor record ids."})
    agencies = fields.List(fields.String())
    countries = fields.List(fields.String())
    listings = fields.List(fields.String())
    roles = fields.List(fields.String())
    violations = fields.Integer()


class EntityPageSchema(Schema):
    items = fields.List(fields.Nested(EntitySchema))
    next = fields.String(allow_none=True)


class MatchesQuerySchema(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 200))


class MatchSchema(Schema):
    actor = fields.String()
    entity = fields.String(allow_none=True)
    score = fields.Float()
    accepted = fields.Boolean()
    apart = fields.Boolean(metadata={"description": "Registry numbers conflict."})
    features = fields.Dict(metadata={"description": "What the score is made of."})


class ClustersQuerySchema(Strict):
    min_agencies = fields.Integer(load_default=2, validate=validate.Range(1, 5))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class ClusterSchema(Schema):
    id = fields.String()
    entities = fields.List(fields.String())
    agencies = fields.List(fields.String())
    violations = fields.Integer()
    listed = fields.List(fields.String())
    countries = fields.List(fields.String())


class PathsQuerySchema(Strict):
    from_ = RecordId(required=True, data_key="from", metadata={"description": "Actor id."})
    to = fields.String(load_default="listed", validate=validate.OneOf(("listed", "end_user")))
    list = Text(200, metadata={"description": "Only lists whose name contains this (SDN)."})
    country = Country(metadata={"description": "End users of this country (to=end_user)."})
    max_hops = fields.Integer(load_default=6, validate=validate.Range(1, 12))
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 100))


class HubsQuerySchema(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 500))


class NeighbourhoodQuerySchema(Strict):
    hops = fields.Integer(load_default=2, validate=validate.Range(1, 4))
    format = fields.String(load_default="json", validate=validate.OneOf(ANALYSIS_FORMATS))



def graph() -> GraphQuestions:
    return node().graph


@blp.route("/entities")
@blp.requires(ANALYST)
@blp.arguments(EntitiesQuerySchema, location="query", unknown=RAISE)
@blp.response(200, EntityPageSchema)
def entities(query: dict[str, Any]) -> dict[str, Any]:
    """Actor records resolved into entities (the same company however each agency spelt it)."""
    items = graph().entities(principal().agency, query["min_agencies"], query["limit"] + 1,
                             query.get("after"))
    more = len(items) > query["limit"]
    items = items[: query["limit"]]
    audited(records=[member for item in items for member in item["members"]])
    return {"items": items, "next": items[-1]["id"] if more else None}


@blp.route("/actors/<record_id>/matches")
@blp.requires(ANALYST)
@blp.arguments(MatchesQuerySchema, location="query", unknown=RAISE)
@blp.response(200, MatchSchema(many=True))
@blp.alt_response(404, response="NOT_FOUND")
def matches(query: dict[str, Any], record_id: str) -> list[dict[str, Any]]:
    """Candidates scored against this actor record, best first, each with its features."""
    found = graph().matches(principal().agency, record_id, query["limit"])
    audited(records=[record_id, *(match["actor"] for match in found)])
    return found


@blp.route("/graph/clusters")
@blp.requires(ANALYST)
@blp.arguments(ClustersQuerySchema, location="query", unknown=RAISE)
@blp.response(200, ClusterSchema(many=True))
def clusters(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Connected groups of entities reported by several agencies, most agencies first."""
    return graph().clusters(principal().agency, query["min_agencies"], query["limit"])


@blp.route("/graph/paths")
@blp.requires(ANALYST)
@blp.arguments(PathsQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
@blp.alt_response(404, response="NOT_FOUND")
def paths(query: dict[str, Any]) -> dict[str, Any]:
    """Shortest paths from an actor to listed entities, or to end users in a country."""
    if query["to"] == "end_user" and "country" not in query:
        raise InvalidInput("to=end_user needs a country", {"country": ["Required."]})
    found = graph().paths(principal().agency, query["from_"], query["to"],
                          query.get("country"), query.get("list"), query["max_hops"],
                          query["limit"])
    return {"from": query["from_"], "paths": found}


@blp.route("/graph/hubs")
@blp.requires(ANALYST)
@blp.arguments(HubsQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
def hubs(query: dict[str, Any]) -> dict[str, Any]:
    """Intermediaries and freight forwarders bridging jurisdictions, by betweenness."""
    return graph().hubs(principal().agency, query["limit"])


@blp.route("/graph/neighbourhood/<record_id>")
@blp.requires(ANALYST)
@blp.arguments(NeighbourhoodQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
@blp.alt_response(404, response="NOT_FOUND")
def neighbourhood(query: dict[str, Any], record_id: str) -> Any:
    """The entities within ``hops`` of an actor: JSON, or a picture (svg, png) coloured by
    reporting agency."""
    centre, near = graph().neighbourhood(principal().agency, record_id, query["hops"])
    audited(records=sorted({m for _, data in near.nodes(data=True) for m in data["members"]}))
    if query["format"] == "json":
        return analyses.as_json(near, centre)
    return Response(draw(near, centre, query["format"]), mimetype=FORMATS[query["format"]])
