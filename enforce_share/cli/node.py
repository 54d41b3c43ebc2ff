"""`enforce-share init`, `db upgrade`, `serve` and `keys`: set up and run this node."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from tqdm import tqdm

from ..clock import timestamp
from ..config import load_config
from ..markings import AGENCIES
from ..node import Node
from .context import audited, echo_json, open_node


@click.command()
@click.option("--agency", required=True, help=f"This node's agency: {', '.join(AGENCIES)}.")
@click.pass_context
def init(ctx: click.Context, agency: str) -> None:
    """Create the data dir, a signing key (0600), the database and the config file."""
    agency = agency.upper()
    if agency not in AGENCIES:
        raise click.BadParameter(f"{agency!r} is not a partner agency; use one of "
                                 f"{', '.join(AGENCIES)}", param_hint="--agency")
    config = load_config(ctx.find_root().obj, agency=agency)
    node, kid = Node.initialise(config)
    node.close()
    click.echo(f"initialised {agency} node in {config.data_dir} (signing key {kid})")


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply migrations (run before starting gunicorn)."""
    node = open_node(ctx)
    missing = node.upgrade_database()
    if missing:  # records stored before search existed
        with tqdm(total=missing, desc="search index", unit="rec", disable=None) as bar:
            node.backfill_search(bar.update)
    click.echo("database is at the latest revision"
               + (f"; {missing} records added to the search index" if missing else ""))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Run the development server (production: gunicorn wsgi:app)."""
    from ..app import create_app

    node = open_node(ctx)
    node.upgrade_database()
    create_app(node.config).run(host=host, port=port)


@click.group()
def keys() -> None:
    """This node's signing keys."""


@keys.command("export")
@click.pass_context
def keys_export(ctx: click.Context) -> None:
    """Print this node's public JWK Set (give it to partners)."""
    echo_json(open_node(ctx).jwks())


@keys.command("rotate")
@click.pass_context
def keys_rotate(ctx: click.Context) -> None:
    """New signing key, announced under the old one; the old one is retired."""
    old, new = open_node(ctx).rotate_key()
    audited(ctx, "keys rotate", old=old, new=new)
    click.echo(f"rotated: {old} -> {new}")


@keys.command("revoke")
@click.argument("kid")
@click.option("--reason", required=True, help="Why (shared with partners).")
@click.option("--at", "at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
              help="Compromised since (UTC); default now. Moves an earlier revocation back.")
@click.pass_context
def keys_revoke(ctx: click.Context, kid: str, reason: str, at: datetime | None) -> None:
    """Revoke one of this node's keys: records it signed from then on fail verification."""
    since = timestamp(at.replace(tzinfo=UTC)) if at else None
    open_node(ctx).revoke_key(kid, reason, since)
    audited(ctx, "keys revoke", kid=kid, reason=reason, at=since)
    click.echo(f"revoked {kid}")
