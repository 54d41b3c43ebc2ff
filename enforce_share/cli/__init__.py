"""The `enforce-share` command: set up and run a node, manage records, keys and partners.

`main` is the root group; each command group is a module of this package, added below.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from ..errors import Error, VerificationError
from ..records.verify import first_problem
from . import (
    access,
    brief,
    bundle,
    demo,
    export,
    graph,
    lists,
    node,
    public,
    records,
    root,
    schemas,
    screen,
    search,
    sync,
)


class NodeGroup(click.Group):
    """Turns our errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VerificationError as exc:
            click.echo(f"verification failed: {exc.message}", err=True)
            sys.exit(1)
        except Error as exc:
            detail = f" ({first_problem(exc.fields)})" if exc.fields else ""
            click.echo(f"error: {exc.message}{detail}", err=True)
            sys.exit(1)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            hint = ("run `enforce-share db upgrade` after installing a new version"
                    if "no such table" in reason or "does not exist" in reason
                    else "is DATABASE_URL set as at init?")
            click.echo(f"error: database: {reason} ({hint})", err=True)
            sys.exit(1)


@click.group(cls=NodeGroup)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="ENFORCE_SHARE_DATA_DIR", help="Node data directory [./instance].")
@click.version_option(package_name="enforce-share")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """enforce-share: a partner node for signed export-enforcement intelligence."""
    ctx.obj = data_dir


# One module per command group.
for command in (node.init, node.db, node.serve, node.keys, records.record, sync.partners,
                sync.sync, sync.scheduler, bundle.bundle, access.users, access.audit,
                search.search, graph.resolve, graph.graph, brief.brief, export.export,
                demo.federation, demo.generate, schemas.schemas, root.root, root.membership,
                lists.lists, screen.screen, public.public):
    main.add_command(command)
