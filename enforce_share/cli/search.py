"""`enforce-share search`: the API's search from the command line (a table, or --json)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..search.engine import Results
from ..search.query import LISTS, Query
from ..search.schema import SORTS
from .context import audited, open_node

TITLE_WIDTH = 60


def filter_options(command: Any) -> Any:
    """The filters of GET /api/v1/search as options, named as in the API (lists repeat)."""
    for name in reversed(LISTS):
        command = click.option(f"--{name.replace('_', '-')}", name, multiple=True,
                               help=f"Filter by {name.replace('_', ' ')} (repeat for any of).")(
            command)
    for name, text in (("from", "On or after this day (YYYY-MM-DD)."),
                       ("to", "On or before this day (YYYY-MM-DD)."),
                       ("name", "Actors named like this (fuzzy, any script)."),
                       ("q", 'Free text: words, "phrases", OR, -excluded.')):
        command = click.option(f"--{name}", name, help=text)(command)
    return command


def _options(command: Any) -> Any:
    """The filters, then the page: cursor, order, size."""
    command = click.option("--cursor", "cursor",
                           help="Continue after the page that printed it.")(
        filter_options(command))
    command = click.option("--sort", type=click.Choice(SORTS))(command)
    return click.option("--limit", type=int, default=20, show_default=True)(command)


@click.command()
@_options
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON page.")
@click.pass_context
def search(ctx: click.Context, as_json: bool, **params: Any) -> None:
    """Search the records this node's agency may see (the filters of GET /api/v1/search)."""
    given = {key: list(value) if key in LISTS else value for key, value in params.items()
             if value not in (None, ())}
    node = open_node(ctx)
    results = node.search(Query.parse(given))
    audited(ctx, "search", query=given, records=[hit.row.id for hit in results.hits])
    if as_json:
        click.echo(json.dumps(results.page(), indent=2, ensure_ascii=False))
        return
    click.echo(_table(results))


def _table(results: Results) -> str:
    lines = [f"{'created (UTC)':<16} {'origin':<6} {'type':<17} {'tlp':<12} {'score':>5}  "
             f"{'id':<36}  title"]
    for hit in results.hits:
        record = json.loads(hit.row.canonical)
        title = record["body"].get("title") or record["body"].get("name") or ""
        mark = "" if hit.verified else " [unverified]"
        created = record["created"][:16].replace("T", " ")
        lines.append(f"{created:<16} {record['origin']:<6} {record['type']:<17} "
                     f"{record['marking']['tlp']:<12} {hit.score:>5.2f}  {record['id']:<36}  "
                     f"{title[:TITLE_WIDTH]}{mark}")
    lines.append(f"{results.total} found, {len(results.hits)} shown"
                 + (f"; next page: --cursor {results.next}" if results.next else ""))
    for facet, counts in results.facets.items():
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:8]
        if top:
            lines.append(f"  {facet}: " + ", ".join(f"{value} {count}" for value, count in top))
    return "\n".join(lines)
