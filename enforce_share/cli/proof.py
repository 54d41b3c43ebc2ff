"""`enforce-share proof export|verify`: a record's inclusion proof, as a file and checked."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .context import audited, open_node, read_json


@click.group()
def proof() -> None:
    """Export and verify proof files (a record, its inclusion proof, its checkpoint)."""


@proof.command("export")
@click.argument("record_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The proof file to write.")
@click.pass_context
def proof_export(ctx: click.Context, record_id: str, out: Path) -> None:
    """Write the proof that RECORD_ID stands in its origin's log under the latest checkpoint
    held of it. The file holds the record in full: give it only to whom its marking allows."""
    document = open_node(ctx).export_proof(record_id)
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    audited(ctx, "proof export", records=[record_id])
    click.echo(f"{out}: {document['record']['origin']} seq {document['inclusion']['seq']} "
               f"of {document['tree']['size']}, {out.stat().st_size} bytes")


@proof.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def proof_verify(ctx: click.Context, path: Path) -> None:
    """Verify a proof file offline against the keys and logs this node holds (exit 0 or 1)."""
    document = read_json(path)
    click.echo(open_node(ctx).verify_proof(document))
