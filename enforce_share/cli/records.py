"""`enforce-share record add|show|verify|load`: write, read and verify records."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from ..demo.scenario.load import load_own_drafts
from ..errors import InvalidInput
from ..records.drafts import Draft
from ..records.schema import DraftSchema
from ..records.service import record_view
from ..records.verify import verify_signed_record
from .context import audited, echo_json, open_node, read_json


@click.group()
def record() -> None:
    """Write, read and verify records."""


@record.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def record_add(ctx: click.Context, path: Path) -> None:
    """Validate, sign and store the draft in PATH ({type, marking, body[, supersedes]})."""
    errors = DraftSchema().validate(draft := read_json(path))
    if errors:
        raise InvalidInput(f"{path} is not a valid record draft", errors)
    (row,) = open_node(ctx).add_records([Draft(**DraftSchema().load(draft))])
    audited(ctx, "record add", records=[row.id])
    click.echo(row.id)


@record.command("show")
@click.argument("record_id")
@click.option("--versions", is_flag=True, help="List every version (seq, created, id).")
@click.pass_context
def record_show(ctx: click.Context, record_id: str, versions: bool) -> None:
    """Print a signed record as {record, jws}: the file `record verify` takes (a record its
    origin's root disavowed is said so on stderr)."""
    view = record_view(open_node(ctx), record_id)
    audited(ctx, "record show", records=[record_id])
    if view["disavowed"]:
        click.echo(f"disavowed by its origin's root (record {view['disavowed']['by']}): "
                   f"{view['disavowed']['reason']}", err=True)
    if not versions:
        echo_json({"record": view["record"], "jws": view["jws"]})
        return
    for version in view["versions"]:
        click.echo(f"{version['seq']}\t{version['created']}\t{version['id']}"
                   + ("\tdisavowed" if version["disavowed"] else ""))


@record.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def record_verify(ctx: click.Context, path: Path) -> None:
    """Verify a signed record file offline against the trust registry (exit 0 or 1)."""
    document = read_json(path)
    record = verify_signed_record(open_node(ctx).registry(), document)
    click.echo(f"verified: {record['type']} {record['id']} from {record['origin']} "
               f"seq {record['seq']}")


@record.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def record_load(ctx: click.Context, path: Path) -> None:
    """Sign and store this node's agency's drafts from a generated scenario (JSON Lines).

    Drafts already stored (same id) are skipped, so an interrupted load can be run again.
    """
    node = open_node(ctx)
    with tqdm(desc="loading", unit="rec", disable=None) as bar:
        loaded = load_own_drafts(node, path, bar.update)
    audited(ctx, "record load", file=str(path), stored=loaded.stored)
    click.echo(f"stored {loaded.stored} records of {node.agency} ({loaded.already_held} "
               f"already held); skipped {loaded.other_origins} of other origins")
