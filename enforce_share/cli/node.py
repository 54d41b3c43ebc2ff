"""`enforce-share init`, `db upgrade`, `serve` and `keys`: set up and run this node."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from .. import members
from ..config import load_config
from ..node import Node
from ..signing.root_keys import default_root_dir, load_root
from .context import AGENCY, audited, echo_json, open_node, read_json


@click.command()
@click.option("--agency", required=True, type=AGENCY,
              help=f"This node's agency: a member's code ({', '.join(members.codes())}, ...).")
@click.option("--root", "root_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The agency's root keys (`root init`), to sign root version 1. Default: "
                   "one new root key, made beside the data dir (move it offline).")
@click.option("--membership", "membership_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A signed membership document (repeat, in version order): how a member "
                   "admitted after the founding is set up.")
@click.pass_context
def init(ctx: click.Context, agency: str, root_dir: Path | None,
         membership_files: tuple[Path, ...]) -> None:
    """Create the data dir, the database, the config file, an online signing key (0600) and
    root version 1 announcing it."""
    config = load_config(ctx.find_root().obj, agency=agency)
    made = default_root_dir(config.data_dir) if root_dir is None else None
    node, kid = Node.initialise(config, load_root(root_dir) if root_dir else None,
                                [read_json(path) for path in membership_files])
    node.close()
    click.echo(f"initialised {agency} node in {config.data_dir} (signing key {kid})")
    if made is not None:
        click.echo(f"its root key is in {made}: move it offline (it alone announces and "
                   "retires the node's keys)", err=True)


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
@click.option("--root", "root_dir", required=True, type=click.Path(file_okay=False,
                                                                   path_type=Path),
              help="The root keys, at hand (else: `root draft rotate`, sign offline, publish).")
@click.pass_context
def keys_rotate(ctx: click.Context, root_dir: Path) -> None:
    """A new online key, announced by the next root version; the old one is retired."""
    old, new = open_node(ctx).rotate_key(load_root(root_dir))
    audited(ctx, "keys rotate", old=old, new=new)
    click.echo(f"rotated: {old} -> {new}")
