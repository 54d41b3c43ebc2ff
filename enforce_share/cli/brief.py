"""`enforce-share brief`: a joint-investigation brief of a case, written to a file."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..briefs.service import FORMATS, make_brief
from ..errors import InvalidInput
from .context import AGENCY, audited, open_node


def write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``, owner-only (a brief may be TLP:RED), all or nothing."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.unlink(missing_ok=True)  # left by a run that crashed
        descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(content)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(f"Cannot write {path}: {exc.strerror}") from exc


@click.command()
@click.argument("case_id")
@click.option("--format", "fmt", type=click.Choice(tuple(FORMATS)), default="pdf",
              show_default=True, help="pdf, html, md: the brief; bundle: its companion signed "
                                      "bundle (JSON Lines, the offline-exchange format).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (owner-only).")
@click.option("--for", "recipient", type=AGENCY,
              help="--format bundle: the agency it is for (default this node's).")
@click.pass_context
def brief(ctx: click.Context, case_id: str, fmt: str, out: Path,
          recipient: str | None) -> None:
    """Write the brief of case CASE_ID as this node's agency may see it; audited."""
    node = open_node(ctx)
    made = make_brief(node, case_id, node.agency, fmt,
                      recipient=recipient.upper() if recipient else None)
    write_private(out, made.content)
    audited(ctx, "brief", **made.audit_target(), file=str(out))
    click.echo(f"wrote the {fmt} brief of case {made.case} to {out}: "
               f"TLP:{made.marking['tlp'].upper()}, releasable to "
               f"{', '.join(made.marking['releasable_to']) or 'no other agency'}; "
               f"{len(made.records)} records; sha256 {made.digest}")
