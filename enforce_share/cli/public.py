"""`enforce-share public export`: the public list of diversionary actors, for industry."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..public.service import FORMATS, PublicList
from .context import audited, open_node


@click.group()
def public() -> None:
    """The public list: actors the partners publicly identified (TLP:CLEAR, for everyone)."""


@public.command("export")
@click.option("--format", "fmt", type=click.Choice(tuple(FORMATS)), default="json",
              show_default=True, help="json: signed by this node's key; ftm: FollowTheMoney "
                                      "entities (JSON lines, a dataset for yente); csv.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output).")
@click.pass_context
def export(ctx: click.Context, fmt: str, out: Path | None) -> None:
    """Export the public list of diversionary actors."""
    node = open_node(ctx)
    made = PublicList().export(node, fmt)
    text = json.dumps(made, ensure_ascii=False, indent=2) + "\n" if isinstance(made, dict) \
        else made
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    audited(ctx, "public export", format=fmt)
