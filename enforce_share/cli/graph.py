"""`enforce-share resolve` and `enforce-share graph ...`: the actor graph from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from tqdm import tqdm

from ..graph import analyses, service
from ..graph.picture import draw
from ..lists.entries import row_id
from .context import audited, open_node

#: No monitor thread: a process with one thread may fork a helper for large reads
#: (graph.fork); tqdm's monitor only tames bars that stall.
tqdm.monitor_interval = 0


@click.command()
@click.pass_context
def resolve(ctx: click.Context) -> None:
    """Resolve the node's actor records into entities (from scratch) and summarise."""
    node = open_node(ctx)
    with tqdm(desc="reading records", unit="rec", disable=None) as bar:
        node.rebuild_graph(bar.update)
    audited(ctx, "resolve")
    view = node.graph_view()
    graph, index = view.graph, node.actor_graph.index
    matched = sum(1 for kind, _ in index.events if kind == "match")
    several = sum(1 for _, data in graph.nodes(data=True) if len(data["agencies"]) >= 2)
    merged = sum(1 for _, data in graph.nodes(data=True) if len(data["members"]) >= 2)
    listed = sum(1 for member in view.order if row_id(member) is not None)
    click.echo(f"{len(view.order) - listed} actor records and {listed} list entries -> "
               f"{len(graph)} entities "
               f"({merged} of several records, {several} reported by two agencies or more); "
               f"{matched} matches accepted or kept apart; {graph.number_of_edges()} edges")


@click.group()
def graph() -> None:
    """Analyses of the actor graph (what this node's agency may see)."""


@graph.command()
@click.option("--min-agencies", type=int, default=2, show_default=True)
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def clusters(ctx: click.Context, min_agencies: int, limit: int, as_json: bool) -> None:
    """Connected groups of actors reported by several agencies, most agencies first."""
    view = open_node(ctx).graph_view()
    found = analyses.cross_jurisdiction_clusters(view.graph, min_agencies, limit)
    audited(ctx, "graph clusters", entities=[cluster["id"] for cluster in found])
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'agencies':<24} {'violations':>10} {'listed':>6} {'entities':>8}  example")
    for cluster in found:
        name = view.graph.nodes[cluster["id"]].get("name", "")
        click.echo(f"{', '.join(cluster['agencies']):<24} {cluster['violations']:>10} "
                   f"{len(cluster['listed']):>6} {len(cluster['entities']):>8}  {name}")
    click.echo(f"{len(found)} clusters")


@graph.command()
@click.argument("actor")
@click.option("--to", type=click.Choice(("listed", "end_user")), default="listed",
              show_default=True)
@click.option("--country", help="End users of this country (--to end_user).")
@click.option("--list", "list_name", help="Only lists whose name contains this.")
@click.option("--max-hops", type=int, default=6, show_default=True)
@click.pass_context
def paths(ctx: click.Context, actor: str, to: str, country: str | None,
          list_name: str | None, max_hops: int) -> None:
    """Shortest paths from ACTOR (a record id) to listed entities or end users."""
    view = open_node(ctx).graph_view()
    found = service.paths(view, actor, to, country, list_name, max_hops, 10)
    audited(ctx, "graph paths", records=[actor])
    for path in found:
        click.echo(" -> ".join(f"{step['name']} [{', '.join(step['agencies'])}" + (
            f"; listed: {', '.join(step['listings'])}" if step["listings"] else "") + "]"
            for step in path))
    click.echo(f"{len(found)} paths")


@graph.command()
@click.option("--limit", type=int, default=20, show_default=True)
@click.pass_context
def hubs(ctx: click.Context, limit: int) -> None:
    """Intermediaries and freight forwarders bridging jurisdictions, by betweenness."""
    found, method = analyses.hubs(open_node(ctx).graph_view().graph, limit)
    audited(ctx, "graph hubs", limit=limit)
    click.echo(f"{'betweenness':>11} {'degree':>6}  {'countries':<24} name")
    for hub in found:
        click.echo(f"{hub['betweenness']:>11.6f} {hub['degree']:>6}  "
                   f"{', '.join(hub['countries'])[:24]:<24} {hub['name']}")
    click.echo(f"{len(found)} hubs; betweenness: {method}")


@graph.command()
@click.argument("actor")
@click.option("--hops", type=click.IntRange(1, 4), default=2, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a picture (.svg or .png) instead of printing JSON.")
@click.pass_context
def neighbourhood(ctx: click.Context, actor: str, hops: int, out: Path | None) -> None:
    """The actors within --hops of ACTOR, as JSON or a picture coloured by agency."""
    centre, near = service.neighbourhood(open_node(ctx).graph_view(), actor, hops)
    audited(ctx, "graph neighbourhood", records=[actor])
    if out is None:
        click.echo(json.dumps(analyses.as_json(near, centre), indent=2, ensure_ascii=False))
        return
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in ("svg", "png"):
        raise click.BadParameter("give a .svg or .png file", param_hint="--out")
    out.write_bytes(draw(near, centre, fmt))
    click.echo(f"wrote {len(near)} actors to {out}")
