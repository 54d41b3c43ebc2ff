"""`enforce-share export stix|csv`: what a search finds, in a standard format, to a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .cli_context import audited, open_node
from .exports import service
from .exports.selection import export_query
from .schemas.exports import EXPORT_DEFAULT, EXPORT_MAX
from .schemas.search import SORTS
from .search.query import LISTS


def query_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The filters of `enforce-share search` (lists repeat), the order, and the limit."""
    for name in reversed(LISTS):
        command = click.option(f"--{name.replace('_', '-')}", name, multiple=True,
                               help=f"Filter by {name.replace('_', ' ')} (repeat for any of).")(
            command)
    for name, text in (("from", "On or after this day (YYYY-MM-DD)."),
                       ("to", "On or before this day (YYYY-MM-DD)."),
                       ("name", "Actors named like this (fuzzy, any script)."),
                       ("q", 'Free text: words, "phrases", OR, -excluded.')):
        command = click.option(f"--{name}", name, help=text)(command)
    command = click.option("--sort", type=click.Choice(SORTS),
                           help="Which records come first (and make the limit).")(command)
    command = click.option("--limit", type=int, default=EXPORT_DEFAULT, show_default=True,
                           help=f"The most records to export (at most {EXPORT_MAX}).")(command)
    return click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                        help="The file to write (- for standard output).")(command)


def _given(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if key in LISTS else value for key, value in params.items()
            if value not in (None, ())}


def _write(out: Path, text: str) -> None:
    with click.open_file(str(out), "wb") as stream:  # bytes: CSV's CRLF stays as written
        stream.write(text.encode("utf-8"))


def _run(ctx: click.Context, kind: str, out: Path, params: dict[str, Any]) -> None:
    given = _given(params)
    query, limit = export_query(given)
    node = open_node(ctx)
    make = service.stix if kind == "stix" else service.table
    export = make(node, query, node.agency, limit)
    _write(out, export.text)
    audited(ctx, f"export {kind}", query=given, file=str(out), records=export.records)
    click.echo(f"wrote {out}: {len(export.records)} records ({export.total} matched the "
               "query)", err=str(out) == "-")


@click.group()
def export() -> None:
    """Standard exports of what a search finds (records this node's agency may see)."""


@export.command()
@query_options
@click.pass_context
def stix(ctx: click.Context, out: Path, **params: Any) -> None:
    """A STIX 2.1 bundle (--case ID: a case and its records), TLP 2.0 markings."""
    _run(ctx, "stix", out, params)


@export.command("csv")
@query_options
@click.pass_context
def csv_table(ctx: click.Context, out: Path, **params: Any) -> None:
    """CSV, one row per record, the body in dotted columns (lists joined with "; ")."""
    _run(ctx, "csv", out, params)
