"""`enforce-share federation up|status|down` and `generate`: the demo federation and its
synthetic scenario."""

from __future__ import annotations

import time
from pathlib import Path

import click
from tqdm import tqdm

from ..errors import ConfigError


@click.group()
def federation() -> None:
    """The demo federation: USA, GBR, CAN, AUS, NZL on 127.0.0.1:8101-8105."""


ROOT = click.option("--dir", "root", default=".demo/federation", show_default=True,
                    type=click.Path(file_okay=False, path_type=Path))


@federation.command("up")
@ROOT
@click.option("--records", default=3000, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=1))
@click.option("--wait", default=45.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for the first full sync before printing the status.")
@click.option("--base-port", type=click.IntRange(1024, 65530),
              help="USA listens here, GBR on the next port, then CAN, AUS, NZL "
                   "[default: the federation's own, else 8101].")
def federation_up(root: Path, records: int, seed: int, interval: float, wait: float,
                  base_port: int | None) -> None:
    """Start five nodes with their schedulers, load the scenario, print the sync status."""
    from ..demo import federation as demo

    if base_port is None:
        base_port = demo.members(root)[0].port
    demo.check_ports(root, base_port)  # before set-up: a refusal leaves nothing behind
    demo.set_up(root, records, seed, click.echo, base_port)
    demo.start(root, interval)
    problems = demo.wait_until_serving(root)
    if problems:
        raise ConfigError(
            "not serving: " + "; ".join(f"{agency} ({why})" for agency, why in problems.items())
            + f" (see {root}/<AGENCY>/gunicorn.log; stop the others with "
              f"`enforce-share federation down --dir {root}`)")
    for member in demo.members(root):
        click.echo(f"{member.agency} listens on {member.url}")
    deadline = time.monotonic() + wait
    synced = demo.converged(root)
    while not synced and time.monotonic() < deadline:
        time.sleep(1)
        synced = demo.converged(root)
    click.echo(demo.status_table(root))
    if not synced:
        click.echo(f"still syncing after {wait:.0f} s: `enforce-share federation status "
                   f"--dir {root}` shows how far")
    click.echo("web interface: sign in at each node's URL with its demo users (passwords "
               f"made at set-up, kept in {root}/<AGENCY>/{demo.PASSWORD_FILE}):")
    for member in demo.members(root):
        users = demo.demo_users(member.data_dir)
        click.echo(f"  {member.agency}  {member.url}/  " + "  ".join(
            f"{name} ({role}): {password}" for name, (role, password) in users.items()))
    first = demo.members(root)[0]
    click.echo(f"each node's demo user 'analyst' has an API token in "
               f"{root}/<AGENCY>/{demo.TOKEN_FILE}; e.g.\n  curl -H \"Authorization: Bearer "
               f"$(cat {first.data_dir / demo.TOKEN_FILE})\" '{first.url}/api/v1/records?limit=2'")
    click.echo(f"stop with: enforce-share federation down --dir {root}")


@federation.command("down")
@ROOT
def federation_down(root: Path) -> None:
    """Stop every node and scheduler of the federation."""
    from ..demo import federation as demo

    stopped = demo.stop(root)
    click.echo(f"stopped {len(stopped)} processes" if stopped else "nothing was running")


@federation.command("status")
@ROOT
def federation_status(root: Path) -> None:
    """Per node and origin: records held in full, placeholders not for it, records owed."""
    from ..demo import federation as demo

    click.echo(demo.status_table(root))


@click.command()
@click.option("--records", "count", required=True, type=click.IntRange(min=1))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def generate(count: int, seed: int, out: Path) -> None:
    """Write a reproducible synthetic scenario (JSON Lines of drafts with ground truth)."""
    from ..demo.scenario import write_scenario

    with tqdm(total=count, desc="generating", unit="rec", disable=None) as bar:
        summary = write_scenario(out, count, seed, progress=bar.update)
    click.echo(f"wrote {count} drafts to {out}: {summary}")

