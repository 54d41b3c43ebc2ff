"""The `enforce-share` command: set up and run a node, manage records, keys and partners."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from .cli_access import audit, users
from .cli_brief import brief
from .cli_bundle import bundle
from .cli_context import audited, open_node, outcome_line
from .cli_export import export
from .cli_graph import graph, resolve
from .cli_search import search
from .clock import timestamp
from .config import load_config
from .db import upgrade
from .errors import ConfigError, Error, InvalidInput, VerificationError
from .node import Node
from .records.drafts import Draft
from .records.queries import get_record, history, signed
from .records.verify import first_problem, verify_signed_record
from .scenario.load import load_own_drafts
from .schemas.api import DraftSchema
from .schemas.fields import AGENCIES
from .search import index as search_index
from .sync.puller import Outcome


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




def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from exc


def _echo_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True))


@main.command()
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


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply migrations (run before starting gunicorn)."""
    node = open_node(ctx)
    upgrade(node.engine)
    with node.transaction() as session:  # records stored before search existed
        missing = search_index.pending(session)
        if missing:
            with tqdm(total=missing, desc="search index", unit="rec", disable=None) as bar:
                search_index.backfill(session, bar.update)
    click.echo("database is at the latest revision"
               + (f"; {missing} records added to the search index" if missing else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Run the development server (production: gunicorn wsgi:app)."""
    from .app import create_app

    node = open_node(ctx)
    upgrade(node.engine)
    create_app(node.config).run(host=host, port=port)


@main.group()
def record() -> None:
    """Write, read and verify records."""


@record.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def record_add(ctx: click.Context, path: Path) -> None:
    """Validate, sign and store the draft in PATH ({type, marking, body[, supersedes]})."""
    errors = DraftSchema().validate(draft := _read_json(path))
    if errors:
        raise InvalidInput(f"{path} is not a valid record draft", errors)
    (row,) = open_node(ctx).add_records([Draft(**DraftSchema().load(draft))])
    audited(ctx, "record add", records=[row.id])
    click.echo(row.id)


@record.command("show")
@click.argument("record_id")
@click.option("--versions", is_flag=True, help="List every version (seq, created, id).")
@click.pass_context
def record_show(ctx: click.Context, record_id: str, versions: bool) -> None:
    """Print a signed record as {record, jws}: the file `record verify` takes."""
    with open_node(ctx).reading() as session:
        row = get_record(session, record_id)
        audited(ctx, "record show", records=[record_id])
        if not versions:
            _echo_json(signed(row))
            return
        for version in history(session, row):
            click.echo(f"{version.seq}\t{version.created}\t{version.id}")


@record.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def record_verify(ctx: click.Context, path: Path) -> None:
    """Verify a signed record file offline against the trust registry (exit 0 or 1)."""
    document = _read_json(path)
    record = verify_signed_record(open_node(ctx).registry(), document)
    click.echo(f"verified: {record['type']} {record['id']} from {record['origin']} "
               f"seq {record['seq']}")


@record.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def record_load(ctx: click.Context, path: Path) -> None:
    """Sign and store this node's agency's drafts from a generated scenario (JSON Lines).

    Drafts already stored (same id) are skipped, so an interrupted load can be run again.
    """
    node = open_node(ctx)
    with tqdm(desc="loading", unit="rec", disable=None) as bar:
        loaded = load_own_drafts(node, path, bar.update)
    audited(ctx, "record load", file=str(path), stored=loaded.stored)
    click.echo(f"stored {loaded.stored} records of {node.agency} ({loaded.already_held} "
               f"already held); skipped {loaded.other_origins} of other origins")


@main.group()
def keys() -> None:
    """This node's signing keys."""


@keys.command("export")
@click.pass_context
def keys_export(ctx: click.Context) -> None:
    """Print this node's public JWK Set (give it to partners)."""
    _echo_json(open_node(ctx).jwks())


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


@main.group()
def partners() -> None:
    """Partner agencies and their keys."""


@partners.command("add")
@click.option("--agency", required=True, type=click.Choice(AGENCIES, case_sensitive=False))
@click.option("--jwks", "jwks_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="Base URL of the partner's node.")
@click.pass_context
def partners_add(ctx: click.Context, agency: str, jwks_path: Path, url: str | None) -> None:
    """Trust a partner's keys (from its `keys export`) and record its URL."""
    from .partners import add_partner

    node = open_node(ctx)
    with node.transaction() as session:
        _, kids = add_partner(session, node.agency, agency.upper(), _read_json(jwks_path), url)
    audited(ctx, "partners add", agency=agency.upper(), kids=kids, url=url)
    click.echo(f"partner {agency.upper()}: trusted {len(kids)} key(s)")


@partners.command("list")
@click.pass_context
def partners_list(ctx: click.Context) -> None:
    """List partners and their key ids."""
    from .partners import list_partners
    from .signing.trust import export_jwks

    with open_node(ctx).reading() as session:
        for partner in list_partners(session):
            kids = [key["kid"] for key in export_jwks(session, partner.agency)["keys"]]
            click.echo(f"{partner.agency}\t{partner.url or '-'}\t{', '.join(kids)}")


@partners.command("unblock")
@click.argument("agency", type=click.Choice(AGENCIES, case_sensitive=False))
@click.option("--origin", type=click.Choice(AGENCIES, case_sensitive=False),
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


@main.command()
@click.option("--peer", type=click.Choice(AGENCIES, case_sensitive=False),
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


@main.command()
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between pulls of each partner.")
@click.option("--max-backoff", default=600.0, show_default=True, type=click.FloatRange(min=1),
              help="Longest pause after failures (seconds).")
@click.pass_context
def scheduler(ctx: click.Context, interval: float, max_backoff: float) -> None:
    """Pull every partner on a schedule, in this process (one per node; never in gunicorn)."""
    from .sync.scheduler import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(open_node(ctx), interval, max_backoff)


@main.group()
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
    from . import federation as demo

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
    first = demo.members(root)[0]
    click.echo(f"each node's demo user 'analyst' (liaison) has an API token in "
               f"{root}/<AGENCY>/{demo.TOKEN_FILE}; e.g.\n  curl -H \"Authorization: Bearer "
               f"$(cat {first.data_dir / demo.TOKEN_FILE})\" '{first.url}/api/v1/records?limit=2'")
    click.echo(f"stop with: enforce-share federation down --dir {root}")


@federation.command("down")
@ROOT
def federation_down(root: Path) -> None:
    """Stop every node and scheduler of the federation."""
    from . import federation as demo

    stopped = demo.stop(root)
    click.echo(f"stopped {len(stopped)} processes" if stopped else "nothing was running")


@federation.command("status")
@ROOT
def federation_status(root: Path) -> None:
    """Per node and origin: records held in full, placeholders not for it, records owed."""
    from . import federation as demo

    click.echo(demo.status_table(root))


@main.command()
@click.option("--records", "count", required=True, type=click.IntRange(min=1))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def generate(count: int, seed: int, out: Path) -> None:
    """Write a reproducible synthetic scenario (JSON Lines of drafts with ground truth)."""
    from .scenario import write_scenario

    with tqdm(total=count, desc="generating", unit="rec", disable=None) as bar:
        summary = write_scenario(out, count, seed, progress=bar.update)
    click.echo(f"wrote {count} drafts to {out}: {summary}")


for group in (bundle, users, audit, search, resolve, graph, brief, export):  # own modules
    main.add_command(group)
