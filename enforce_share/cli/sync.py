"""`enforce-share partners`, `sync` and `scheduler`: the partners and pulling their logs."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from tqdm import tqdm

from ..sync.puller import Outcome
from .context import AGENCY, audited, open_node, outcome_line, read_json


@click.group()
def partners() -> None:
    """Partner agencies and their keys."""


@partners.command("add")
@click.option("--agency", required=True, type=AGENCY)
@click.option("--jwks", "jwks_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="Base URL of the partner's node.")
@click.pass_context
def partners_add(ctx: click.Context, agency: str, jwks_path: Path, url: str | None) -> None:
    """Trust a partner's keys (from its `keys export`) and record its URL."""
    from ..sync.service import trust_partner

    kids = trust_partner(open_node(ctx), agency.upper(), read_json(jwks_path), url)
    audited(ctx, "partners add", agency=agency.upper(), kids=kids, url=url)
    click.echo(f"partner {agency.upper()}: trusted {len(kids)} key(s)")


@partners.command("list")
@click.pass_context
def partners_list(ctx: click.Context) -> None:
    """List partners and their key ids."""
    from ..sync.service import partners_and_keys

    for agency, url, kids in partners_and_keys(open_node(ctx)):
        click.echo(f"{agency}\t{url or '-'}\t{', '.join(kids)}")


@partners.command("unblock")
@click.argument("agency", type=AGENCY)
@click.option("--origin", type=AGENCY,
              help="Only this origin's log (default: every log it is blocked on).")
@click.pass_context
def partners_unblock(ctx: click.Context, agency: str, origin: str | None) -> None:
    """Pull from a partner again where a bad entry blocked it (its evidence stays)."""
    lifted = open_node(ctx).unblock(agency.upper(), origin.upper() if origin else None)
    audited(ctx, "partners unblock", peer=agency.upper(), lifted=lifted)
    for log_origin, seq in lifted:
        click.echo(f"{agency.upper()}: {log_origin}'s log unblocked at seq {seq}")
    if not lifted:
        raise click.ClickException(f"{agency.upper()} is not blocked"
                                   + (f" on {origin.upper()}'s log" if origin else ""))


@click.command()
@click.option("--peer", type=AGENCY,
              help="Pull from this partner only.")
@click.pass_context
def sync(ctx: click.Context, peer: str | None) -> None:
    """Run one sync round by hand: every other origin's log from every partner."""
    bars: dict[tuple[str, str], tqdm] = {}

    def progress(outcome: Outcome) -> None:
        key = (outcome.peer, outcome.origin)
        if key not in bars:
            start = outcome.held - outcome.stored - outcome.placeholders
            bars[key] = tqdm(desc=f"{outcome.origin} from {outcome.peer}", unit="rec",
                             initial=start, total=outcome.peer_seq, leave=False, disable=None,
                             file=sys.stderr)
        bar = bars[key]
        bar.total = max(outcome.peer_seq or 0, outcome.held)
        bar.update(outcome.held - bar.n)

    def report(outcome: Outcome) -> None:
        bar = bars.pop((outcome.peer, outcome.origin), None)
        if bar is not None:
            bar.close()
        click.echo(outcome_line(outcome))

    outcomes = open_node(ctx).sync(peer.upper() if peer else None, report, progress)
    if not outcomes:
        click.echo("no partner with a URL: add one with `enforce-share partners add --url`")


@click.command()
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between pulls of each partner.")
@click.option("--max-backoff", default=600.0, show_default=True, type=click.FloatRange(min=1),
              help="Longest pause after failures (seconds).")
@click.pass_context
def scheduler(ctx: click.Context, interval: float, max_backoff: float) -> None:
    """Pull every partner on a schedule, in this process (one per node; never in gunicorn)."""
    from ..lists.refresh import scheduled
    from ..sync.scheduler import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    node = open_node(ctx)
    refresh = node.config.lists_refresh
    run(node, interval, max_backoff, jobs=[("lists-refresh", refresh, lambda: scheduled(node))]
        if refresh else [])
