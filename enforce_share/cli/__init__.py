"""The `enforce-share` command: set up and run a node, manage records, keys and partners.

`main` is the root group; each command group is a module of this package, named in
`COMMANDS` and imported only when its command runs (a scheduler or a one-line command
never loads the PDF, STIX and list-import libraries of the others).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from ..errors import Error, VerificationError
from ..records.verify import first_problem

#: Each command: the module of this package that defines it.
COMMANDS = {
    "init": "node", "db": "node", "serve": "node", "keys": "node",
    "record": "records",
    "partners": "sync", "sync": "sync", "scheduler": "sync",
    "bundle": "bundle",
    "users": "access", "audit": "access",
    "search": "search",
    "resolve": "graph", "graph": "graph",
    "brief": "brief",
    "export": "export",
    "federation": "demo", "generate": "demo",
    "schemas": "schemas",
    "root": "root", "membership": "root",
    "lists": "lists",
    "screen": "screen",
    "public": "public",
    "proof": "proof",
}


class NodeGroup(click.Group):
    """Loads each command's module when it is asked for; turns our errors into one line on
    stderr and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"{__name__}.{COMMANDS[name]}")
        command = getattr(module, _attribute(name, module))
        assert isinstance(command, click.Command) and command.name == name, name
        return command

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



def _attribute(name: str, module: Any) -> str:
    """The module's attribute holding command ``name`` (the function's name, which is the
    command's)."""
    for attribute, value in vars(module).items():
        if isinstance(value, click.Command) and value.name == name and \
                getattr(value, "callback", None) is not None and \
                value.callback.__module__ == module.__name__:
            return attribute
    raise LookupError(f"{module.__name__} defines no command {name!r}")
