"""`enforce-share bundle`: offline exchange of signed logs with air-gapped partners."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from ..adapters.bundle_file import BundleFile, bundle_size, bundle_writer, read_bundle
from ..errors import Error, InvalidInput
from ..sync.bundle import import_bundle, parse_since
from ..sync.bundle_verify import LogProof
from ..sync.service import check_bundle, export_exchange_bundle
from .context import AGENCY, audited, open_node, outcome_line


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> dict[str, int]:
    try:
        return parse_since(value)
    except InvalidInput as exc:
        raise click.BadParameter(exc.message, ctx, param) from exc


@click.group()
def bundle() -> None:
    """Offline exchange: signed records and checkpoints in a file, for air-gapped partners."""


@bundle.command("export")
@click.option("--for", "recipient", required=True,
              type=AGENCY,
              help="The partner it is for: records go in full only where released to it.")
@click.option("--since", callback=_since, metavar="ORIGIN=SEQ[,...]",
              help="Per origin, the seq after which to start, e.g. GBR=120,USA=40 "
                   "(origins not named: from the start).")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def bundle_export(ctx: click.Context, recipient: str, since: dict[str, int], path: Path) -> None:
    """Write every log held here, as the feed serves it to a partner, to PATH (.gz: gzip)."""
    node = open_node(ctx)
    recipient = recipient.upper()
    with tqdm(desc="exporting", unit="entry", disable=None) as bar, \
            bundle_writer(path, bar.update) as write:
        spans = export_exchange_bundle(node, recipient, since, write)
    audited(ctx, "bundle export", recipient=recipient, file=str(path), logs={
        span.origin: [span.after, span.last, span.records] for span in spans})
    for span in spans:
        click.echo(f"{span.origin}: seqs {span.after + 1}-{span.last}, {span.records} records, "
                   f"{span.placeholders} placeholders" if span.last > span.after
                   else f"{span.origin}: nothing after seq {span.after}")
    click.echo(f"wrote {path} for {recipient}")


@bundle.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def bundle_import(ctx: click.Context, path: Path) -> None:
    """Verify and store a bundle made for this node, with exactly the checks of a pull.

    The file is read twice: the whole bundle is refused, nothing stored, unless its header
    is signed by the exporting partner and made for this node, and every full record in it
    is released to this node. A selection bundle (a brief's companion, `export bundle`) is
    refused: check it with `bundle verify` instead.
    """
    node = open_node(ctx)
    with tqdm(total=2 * bundle_size(path), desc="importing", unit="B", unit_scale=True,
              disable=None) as bar:
        outcomes = import_bundle(node, BundleFile(path, bar.update))
    audited(ctx, "bundle import", file=str(path), logs={
        outcome.origin: [outcome.held, outcome.stored, outcome.error] for outcome in outcomes})
    for outcome in outcomes:
        click.echo(outcome_line(outcome))
    failed = [outcome.origin for outcome in outcomes if outcome.error]
    if failed:
        raise Error(f"{', '.join(failed)} not imported in full (see above)")


@bundle.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def bundle_verify(ctx: click.Context, path: Path) -> None:
    """Check a bundle, storing nothing: the exporter's signature on its header, each
    record's signature, each log's hash chain and signed checkpoint, against this node's
    trusted keys (exit 0, or 1 with the reason)."""
    node = open_node(ctx)
    with tqdm(total=bundle_size(path), desc="verifying", unit="B", unit_scale=True,
              disable=None) as bar:
        proof = check_bundle(node, read_bundle(path, bar.update))
    for log in proof.logs:
        click.echo(_proof_line(log))
    header = proof.header
    since = ",".join(f"{origin}={seq}" for origin, seq in header.since.items())
    click.echo(f"header: signed by {header.exporter}'s key {header.kid}, not retired, "
               f"created {header.created}" + (f"; since {since}" if since else ""))
    kind = ("selection bundle (evidence only: `bundle import` refuses it)" if header.selection
            else "exchange bundle")
    click.echo(f"verified: {kind} from {header.exporter} for {header.recipient}, created "
               f"{header.created}")


def _proof_line(log: LogProof) -> str:
    """One origin's log as `bundle verify` found it."""
    if log.last < log.first:
        return f"{log.origin}: no entries; signed checkpoint at seq {log.checkpoint} verified"
    records = f"{log.records} record{'' if log.records == 1 else 's'}"
    placeholders = f"{log.placeholders} placeholder{'' if log.placeholders == 1 else 's'}"
    return (f"{log.origin}: {records} verified, {placeholders}, seqs {log.first}-{log.last}; "
            f"the chain reaches the signed checkpoint at seq {log.checkpoint}")
