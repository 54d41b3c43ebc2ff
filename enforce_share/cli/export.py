"""`enforce-share export stix|csv|bundle`: what a search finds, as STIX 2.1, CSV or a signed
bundle, to a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..adapters.bundle_file import bundle_writer
from ..errors import InvalidInput
from ..exports import service
from ..exports.schema import EXPORT_DEFAULT, EXPORT_MAX
from ..exports.selection import export_query
from ..search.query import LISTS
from ..search.schema import SORTS
from .context import AGENCY, audited, open_node
from .search import filter_options


def query_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The filters of `enforce-share search` (lists repeat), the order, and the limit."""
    command = click.option("--sort", type=click.Choice(SORTS),
                           help="Which records come first (and make the limit).")(
        filter_options(command))
    return click.option("--limit", type=int, default=EXPORT_DEFAULT, show_default=True,
                        help=f"The most records to export (at most {EXPORT_MAX}).")(command)


def out_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The required ``--out FILE``."""
    return click.option("--out", required=True, help=help_text,
                        type=click.Path(dir_okay=False, path_type=Path))


def _given(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if key in LISTS else value for key, value in params.items()
            if value not in (None, ())}


def _write(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` (``-``: standard output), a file only its owner may read: an
    export may hold this agency's RED records."""
    if str(out) == "-":
        click.get_binary_stream("stdout").write(text.encode("utf-8"))
        return
    try:
        handle = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as stream:  # bytes: CSV's CRLF stays as written
            stream.write(text.encode("utf-8"))
    except OSError as exc:
        raise InvalidInput(f"Cannot write {out}: {exc.strerror}") from exc


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
@out_option("The file to write (- for standard output).")
@click.pass_context
def stix(ctx: click.Context, out: Path, **params: Any) -> None:
    """A STIX 2.1 bundle (--case ID: a case and its records), TLP 2.0 markings."""
    _run(ctx, "stix", out, params)


@export.command("csv")
@query_options
@out_option("The file to write (- for standard output).")
@click.pass_context
def csv_table(ctx: click.Context, out: Path, **params: Any) -> None:
    """CSV, one row per record, the body in dotted columns (lists joined with "; ")."""
    _run(ctx, "csv", out, params)


@export.command("bundle")
@query_options
@out_option("The bundle file to write (.gz: gzip), readable by its owner only.")
@click.option("--for", "recipient", type=AGENCY,
              help="The agency it is for: records go in full where it may see them "
                   "[default: this node's].")
@click.pass_context
def signed_bundle(ctx: click.Context, out: Path, recipient: str | None, **params: Any) -> None:
    """A signed bundle (the offline-exchange format) of what the search finds: each record
    as its origin signed it, verifiable with `enforce-share bundle verify` or any JOSE
    library."""
    given = _given(params)
    query, limit = export_query(given)
    node = open_node(ctx)
    recipient = (recipient or node.agency).upper()
    with bundle_writer(out) as write:
        written = service.signed_bundle(node, query, node.agency, write, limit, recipient)
    audited(ctx, "export bundle", query=given, recipient=recipient, file=str(out),
            records=written.records)
    left = f"; {len(written.withheld)} left out" if written.withheld else ""
    click.echo(f"wrote {out} for {recipient}: {len(written.records)} records ({written.total} "
               f"matched the query{left})")
