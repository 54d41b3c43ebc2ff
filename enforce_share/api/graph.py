"""/api/v1/entities, /api/v1/actors/<id>/matches, /api/v1/graph/...: the actor graph."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import RAISE

from ..access.roles import ANALYST
from ..errors import InvalidInput
from ..graph import analyses, service
from ..graph.picture import FORMATS, draw
from ..schemas.graph import (
    ClusterSchema,
    ClustersQuerySchema,
    EntitiesQuerySchema,
    EntityPageSchema,
    HubsQuerySchema,
    MatchesQuerySchema,
    MatchSchema,
    NeighbourhoodQuerySchema,
    PathsQuerySchema,
)
from .auth import Blueprint, audited, node, principal

blp = Blueprint("graph", __name__, url_prefix="/api/v1",
                description="Resolved entities and the actor graph, from records the caller's "
                            "agency may see")


def view() -> Any:
    return node().graph_view(principal().agency)


@blp.route("/entities")
@blp.requires(ANALYST)
@blp.arguments(EntitiesQuerySchema, location="query", unknown=RAISE)
@blp.response(200, EntityPageSchema)
def entities(query: dict[str, Any]) -> dict[str, Any]:
    """Actor records resolved into entities (the same company however each agency spelt it)."""
    items = service.entities(view(), query["min_agencies"], query["limit"] + 1,
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
    found = service.matches(view(), record_id, query["limit"])
    audited(records=[record_id, *(match["actor"] for match in found)])
    return found


@blp.route("/graph/clusters")
@blp.requires(ANALYST)
@blp.arguments(ClustersQuerySchema, location="query", unknown=RAISE)
@blp.response(200, ClusterSchema(many=True))
def clusters(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Connected groups of entities reported by several agencies, most agencies first."""
    return analyses.cross_jurisdiction_clusters(view().graph, query["min_agencies"],
                                                query["limit"])


@blp.route("/graph/paths")
@blp.requires(ANALYST)
@blp.arguments(PathsQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
@blp.alt_response(404, response="NOT_FOUND")
def paths(query: dict[str, Any]) -> dict[str, Any]:
    """Shortest paths from an actor to listed entities, or to end users in a country."""
    if query["to"] == "end_user" and "country" not in query:
        raise InvalidInput("to=end_user needs a country", {"country": ["Required."]})
    found = service.paths(view(), query["from_"], query["to"], query.get("country"),
                          query.get("list"), query["max_hops"], query["limit"])
    return {"from": query["from_"], "paths": found}


@blp.route("/graph/hubs")
@blp.requires(ANALYST)
@blp.arguments(HubsQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
def hubs(query: dict[str, Any]) -> dict[str, Any]:
    """Intermediaries and freight forwarders bridging jurisdictions, by betweenness."""
    found, method = analyses.hubs(view().graph, query["limit"])
    return {"hubs": found, "betweenness": method}


@blp.route("/graph/neighbourhood/<record_id>")
@blp.requires(ANALYST)
@blp.arguments(NeighbourhoodQuerySchema, location="query", unknown=RAISE)
@blp.response(200)
@blp.alt_response(404, response="NOT_FOUND")
def neighbourhood(query: dict[str, Any], record_id: str) -> Any:
    """The entities within ``hops`` of an actor: JSON, or a picture (svg, png) coloured by
    reporting agency."""
    centre, graph = service.neighbourhood(view(), record_id, query["hops"])
    audited(records=sorted({m for _, data in graph.nodes(data=True) for m in data["members"]}))
    if query["format"] == "json":
        return analyses.as_json(graph, centre)
    return Response(draw(graph, centre, query["format"]), mimetype=FORMATS[query["format"]])
