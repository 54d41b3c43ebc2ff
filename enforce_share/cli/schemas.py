"""`enforce-share schemas export`: write the wire contract's JSON Schema documents."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def schemas() -> None:
    """The published wire contract as JSON Schema documents (draft 2020-12)."""


@schemas.command("export")
@click.option("--dir", "directory", default="schemas", show_default=True,
              type=click.Path(file_okay=False, path_type=Path))
def schemas_export(directory: Path) -> None:
    """Write every document of the contract into DIR, one file each, and name them."""
    from ..sync.contract import documents, serialised

    directory.mkdir(parents=True, exist_ok=True)
    for name, document in documents().items():
        (directory / name).write_text(serialised(document), encoding="utf-8")
        click.echo(directory / name)
