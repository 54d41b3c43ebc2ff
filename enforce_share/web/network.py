"""The network chart of an actor's neighbourhood (Cytoscape.js in the page, its data from
here), and the graph's hubs and cross-jurisdiction clusters."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request

from ..access.roles import ANALYST
from ..api.auth import audited, node
from ..graph.picture import SEVERAL, colours
from ..records.fields import is_country
from .access import me, page
from .blueprint import bp

MAX_HOPS = 4
CLUSTER_ENTITIES_SHOWN = 8


def _hops(default: int) -> int:
    try:
        return min(max(int(request.args.get("hops", default)), 1), MAX_HOPS)
    except ValueError:
        return default


@bp.route("/actors/<record_id>/network")
@page(ANALYST)
def network(record_id: str) -> Any:
    """The chart page (its data comes from :func:`network_data`)."""
    centre, near = node().graph.neighbourhood(me().agency, record_id, 1)  # 404 if unseen
    audited(records=list(near.nodes[centre]["members"]))
    return render_template("network.html", record_id=record_id, hops=_hops(2),
                           name=near.nodes[centre]["name"], colours=colours(), several=SEVERAL,
                           area="network")


@bp.route("/actors/<record_id>/network.json")
@page(ANALYST)
def network_data(record_id: str) -> Any:
    """The entities within ``hops`` of an actor and their relations, as the chart draws them."""
    centre, near = node().graph.neighbourhood(me().agency, record_id, _hops(2))
    audited(records=sorted({m for _, data in near.nodes(data=True) for m in data["members"]}))
    return jsonify({
        "centre": centre,
        "nodes": [{"id": entity, "name": data["name"], "agencies": sorted(data["agencies"]),
                   "countries": sorted(data["countries"]), "listings": sorted(data["listings"]),
                   "roles": sorted(data["roles"]), "members": len(data["members"])}
                  for entity, data in sorted(near.nodes(data=True))],
        "edges": [{"source": a, "target": b, "kinds": sorted(data["kinds"]),
                   "agencies": sorted(data["agencies"]), "records": len(data["records"])}
                  for a, b, data in sorted(near.edges(data=True))],
    })


@bp.route("/actors/<record_id>/path.json")
@page(ANALYST)
def path_data(record_id: str) -> Any:
    """The shortest path from an actor to a listed entity (``to=listed``) or to an end user
    in a country (``to=end_user&country=RU``): its entities in order, or none."""
    to = "end_user" if request.args.get("to") == "end_user" else "listed"
    country = request.args.get("country", "").upper() or None
    if to == "end_user" and not (country and is_country(country)):
        return jsonify({"error": {"fields": {"country": ["An ISO 3166 alpha-2 code."]}}}), 422
    found = node().graph.paths(me().agency, record_id, to, country, None, 6, 1)
    path = found[0] if found else []
    audited(records=[member for step in path for member in step["members"]])
    return jsonify({"path": [{"id": step["id"], "name": step["name"],
                              "agencies": step["agencies"], "countries": step["countries"],
                              "listings": step["listings"], "roles": step["roles"],
                              "members": len(step["members"])} for step in path]})


@bp.route("/network")
@page(ANALYST)
def graph() -> Any:
    """Hubs bridging jurisdictions and clusters several agencies reported, with links."""
    viewer = me().agency
    hubs = node().graph.hubs(viewer, 20)
    clusters = node().graph.clusters(viewer, 2, 20)
    shown = sorted({entity for cluster in clusters
                    for entity in cluster["entities"][:CLUSTER_ENTITIES_SHOWN]})
    named = node().graph.network(viewer, shown) if shown else None
    names = {entity: data["name"] for entity, data in named.nodes(data=True)} if named else {}
    return render_template("graph.html", hubs=hubs, clusters=clusters, names=names,
                           shown=CLUSTER_ENTITIES_SHOWN, area="network")
