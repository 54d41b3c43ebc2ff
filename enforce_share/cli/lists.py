"""`enforce-share lists import|status|refresh`: the official lists and the CHPL, held locally."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import click

from ..lists import refresh as refreshing
from ..lists import service
from ..lists.entries import SOURCES
from ..lists.importer import Outcome
from .context import audited, open_node


@click.group("lists")
def lists() -> None:
    """Reference lists: OFAC SDN, UK, UN, Canada SEMA, Australia DFAT, the US CSL, the CHPL."""


@lists.command("import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--source", required=True, type=click.Choice(list(SOURCES)),
              help="Which list the files are (ofac-sdn: SDN.CSV with ALT.CSV and ADD.CSV, or "
                   "SDN.XML; uk: the folder of its four CSV files).")
@click.option("--published", help="The publication date, if the file does not say it "
                                  "(YYYY-MM-DD).")
@click.option("--allow-older", is_flag=True, help="Import a publication older than the one "
                                                  "held.")
@click.option("--allow-shrink", is_flag=True, help="Import a file holding less than half the "
                                                   "entries held.")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[Path, ...], source: str, published: str | None,
            allow_older: bool, allow_shrink: bool) -> None:
    """Import a list from PATHS (files, or a folder of them): a diff against what is held."""
    if published is not None:
        try:
            datetime.date.fromisoformat(published)
        except ValueError:
            raise click.BadParameter("give a day as YYYY-MM-DD", param_hint="--published"
                                     ) from None
    node = open_node(ctx)
    outcome = service.import_files(node, source, paths, published=published,
                                   allow_older=allow_older, allow_shrink=allow_shrink)
    if not outcome.unchanged:
        audited(ctx, "lists import", source=source, import_id=outcome.import_id,
                added=outcome.added, changed=outcome.changed, removed=outcome.removed)
    click.echo(outcome_line(outcome))
    for note in outcome.notes:
        click.echo(f"  note: {note}")


def outcome_line(outcome: Outcome) -> str:
    """One import as the commands print it."""
    if outcome.unchanged:
        return (f"{outcome.source}: unchanged (the same files as import {outcome.import_id}, "
                f"{outcome.entries:,} entries)")
    return (f"{outcome.source}: import {outcome.import_id}, published "
            f"{outcome.published or 'unknown'}: {outcome.entries:,} entries, "
            f"+{outcome.added:,} added, {outcome.changed:,} changed, "
            f"{outcome.removed:,} removed (delisted, kept as history)")


@lists.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Each list held: entries current and delisted, and the latest import's provenance."""
    held = service.held(open_node(ctx))
    if as_json:
        click.echo(json.dumps(held, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'source':<9} {'current':>8} {'delisted':>8}  {'published':<10} "
               f"{'imported':<20} sha256")
    for source in held:
        latest = source["latest"] or {}
        click.echo(f"{source['source']:<9} {source['current']:>8,} {source['delisted']:>8,}  "
                   f"{(latest.get('published') or '-'):<10} "
                   f"{(latest.get('imported') or 'never')[:19]:<20} "
                   f"{(latest.get('sha256') or '')[:16]}")


@lists.command("refresh")
@click.pass_context
def refresh(ctx: click.Context) -> None:
    """Refresh every list from its drop folder or URLs now (what the scheduler does)."""
    node = open_node(ctx)
    done = refreshing.refresh(node, node.config)
    for item in done:
        if item.outcome is not None and not item.outcome.unchanged:
            audited(ctx, "lists refresh", source=item.source,
                    import_id=item.outcome.import_id)
        click.echo(outcome_line(item.outcome) if item.outcome else
                   f"{item.source}: failed: {item.error}")
    if not done:
        click.echo(f"nothing to refresh: no files in {node.config.inbox}/<source>/ and no "
                   "list_urls in node.toml")
    if any(item.error for item in done):
        ctx.exit(1)
