"""`enforce-share root ...` and `enforce-share membership ...`: the offline root of trust.

Root keys are made (`root init`) and used (`root sign`) on a machine apart, with nothing but
the statement file to carry across; the node drafts statements (`root draft ...`, which make
any new online key here) and publishes them once signed (`root publish`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from .. import members
from ..errors import InvalidInput
from ..signing import authority
from ..signing.root_keys import create_root, load_root, read_public
from .context import AGENCY, audited, echo_json, open_node, read_json

ROOT_DIR = click.Path(file_okay=False, path_type=Path)
FILE = click.Path(dir_okay=False, path_type=Path)
_RUN = re.compile(r"^([0-9]{1,15})(?:-([0-9]{1,15}))?$")


def write_statement(path: Path, document: dict[str, Any]) -> None:
    """Write a statement file (pretty JSON: people read it before they sign it)."""
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@click.group()
def root() -> None:
    """The agency's offline root keys: make them, sign statements, publish them."""


@root.command("init")
@click.option("--keys", "count", type=click.IntRange(1, 16), default=3, show_default=True)
@click.option("--threshold", type=click.IntRange(1, 16), default=2, show_default=True,
              help="How many root keys must sign a statement.")
@click.option("--out", required=True, type=ROOT_DIR,
              help="A new folder for the private root keys: keep it offline, never in the "
                   "data dir.")
def root_init(count: int, threshold: int, out: Path) -> None:
    """Make root keys (0600 files) and root.json (their public keys and the threshold)."""
    made = create_root(out, count, threshold)
    click.echo(f"{count} root keys, threshold {threshold}, in {out}; give {out / 'root.json'} "
               f"to the membership document; keep the folder offline")
    del made


@root.command("sign")
@click.argument("statement_file", type=FILE)
@click.option("--root", "root_dir", required=True, type=ROOT_DIR,
              help="The folder of root keys (all, or the ones this holder keeps).")
def root_sign(statement_file: Path, root_dir: Path) -> None:
    """Add this folder's root signatures to a statement file (works offline, no node)."""
    signed = authority.sign(read_json(statement_file), load_root(root_dir))
    write_statement(statement_file, signed)
    click.echo(f"{statement_file}: {len(signed['signatures'])} signature(s)")


@root.group("draft")
def root_draft() -> None:
    """Write an unsigned statement for the root key holders to sign."""


@root_draft.command("rotate")
@click.option("--out", required=True, type=FILE)
@click.option("--new-root", type=click.Path(path_type=Path),
              help="root.json of new root keys, to change the root keys too.")
@click.pass_context
def root_draft_rotate(ctx: click.Context, out: Path, new_root: Path | None) -> None:
    """The next root version with a new online key (made here; its private key stays here)."""
    document = open_node(ctx).draft_rotation(read_public(new_root) if new_root else None)
    write_statement(out, document)
    audited(ctx, "root draft rotate", version=document["statement"]["version"])
    click.echo(f"draft of root version {document['statement']['version']} in {out}: sign it "
               "with `enforce-share root sign`, then `enforce-share root publish` it here")


@root_draft.command("disavow")
@click.option("--kid", required=True, help="The compromised key.")
@click.option("--seqs", required=True, help="Seqs it signed that were not yours: 12,15-20.")
@click.option("--reason", required=True, help="Why (shared with partners).")
@click.option("--out", required=True, type=FILE)
@click.pass_context
def root_draft_disavow(ctx: click.Context, kid: str, seqs: str, reason: str,
                       out: Path) -> None:
    """A disavowal: records of those seqs signed by KID stay in the log, never current."""
    document = open_node(ctx).draft_disavowal(kid, parse_runs(seqs), reason)
    write_statement(out, document)
    audited(ctx, "root draft disavow", kid=kid, seqs=seqs)
    click.echo(f"draft disavowal in {out}: sign it, then publish it")


def parse_runs(text: str) -> list[tuple[int, int]]:
    """``"12,15-20"`` as ``[(12, 12), (15, 20)]``; InvalidInput naming the field otherwise."""
    runs = []
    for part in text.split(","):
        match = _RUN.fullmatch(part.strip())
        if match is None:
            raise InvalidInput(f"--seqs: {part!r} is not SEQ or FIRST-LAST",
                               {"seqs": ["SEQ or FIRST-LAST, comma separated."]})
        first = int(match.group(1))
        runs.append((first, int(match.group(2) or first)))
    return runs


@root.command("publish")
@click.argument("statement_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def root_publish(ctx: click.Context, statement_file: Path) -> None:
    """Append a signed root, disavowal or membership statement to this node's log."""
    record = open_node(ctx).publish_statement(read_json(statement_file))
    audited(ctx, "root publish", record=record.id, type=record.type)
    click.echo(f"published {record.type} at seq {record.seq} ({record.id})")


@root.command("adopt")
@click.option("--root", "root_dir", required=True, type=ROOT_DIR)
@click.pass_context
def root_adopt(ctx: click.Context, root_dir: Path) -> None:
    """Root version 1 for a node made by an earlier version: it adopts the online keys."""
    record = open_node(ctx).adopt_root(load_root(root_dir))
    audited(ctx, "root adopt", record=record.id)
    click.echo(f"root version 1 at seq {record.seq}: keys are now announced by the root only")


@click.group()
def membership() -> None:
    """The membership document: who the federation's members are, and their roots."""


@membership.command("show")
@click.pass_context
def membership_show(ctx: click.Context) -> None:
    """The membership document this node holds."""
    echo_json(open_node(ctx).refresh_membership().statement())


@membership.command("draft")
@click.option("--add", "code", required=True, type=AGENCY, help="The agency admitted.")
@click.option("--name", required=True)
@click.option("--root-keys", "root_json", required=True,
              type=click.Path(exists=True, path_type=Path), help="Its root.json.")
@click.option("--url", help="Its node's base URL.")
@click.option("--out", required=True, type=FILE)
@click.pass_context
def membership_draft(ctx: click.Context, code: str, name: str, root_json: Path,
                     url: str | None, out: Path) -> None:
    """The next membership version, admitting one agency, unsigned."""
    current = open_node(ctx).refresh_membership()
    statement = current.statement()
    if code in current.codes:
        raise InvalidInput(f"{code} is a member already", {"add": ["A member already."]})
    public = read_public(root_json)
    statement["version"] = current.version + 1
    statement["members"].append({"code": code, "name": name, "root_keys": [
        {k: jwk[k] for k in ("kty", "crv", "x", "kid")} for jwk in public["root_keys"]],
        "threshold": public["threshold"], **({"url": url} if url else {})})
    write_statement(out, authority.unsigned(statement))
    click.echo(f"draft of membership version {statement['version']} in {out}: each member's "
               "root signs it (`root sign`); one member publishes it (`root publish`)")


@membership.command("found")
@click.option("--member", "entries", multiple=True, required=True,
              help="CODE=ROOT_JSON[@URL], one per founding member.")
@click.option("--quorum", type=click.IntRange(min=1), required=True,
              help="Members whose roots must sign each later version.")
@click.option("--out", required=True, type=FILE)
def membership_found(entries: tuple[str, ...], quorum: int, out: Path) -> None:
    """The founding membership document (version 1), unsigned: every member's root signs
    it (`root sign`), then every node imports it (`membership import`)."""
    listed = []
    for entry in entries:
        code, equals, rest = entry.partition("=")
        path, _, url = rest.partition("@")
        if not equals or not members.CODE.fullmatch(code.upper()):
            raise InvalidInput(f"--member {entry!r}: expected CODE=ROOT_JSON[@URL]",
                               {"member": ["CODE=ROOT_JSON[@URL]"]})
        public = read_public(Path(path))
        known = members.FOUNDING.member(code.upper())
        listed.append({"code": code.upper(), "name": known.name if known else code.upper(),
                       "root_keys": [{k: jwk[k] for k in ("kty", "crv", "x", "kid")}
                                     for jwk in public["root_keys"]],
                       "threshold": public["threshold"], **({"url": url} if url else {})})
    statement = {"statement": "membership", "version": 1, "quorum": quorum, "members": listed}
    write_statement(out, authority.unsigned(statement))
    click.echo(f"founding membership of {len(listed)} members in {out}: every member's root "
               "signs it")


@membership.command("import")
@click.argument("document_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def membership_import(ctx: click.Context, document_file: Path) -> None:
    """Take a signed membership document given out of band (the founding one, say)."""
    document = read_json(document_file)
    new = open_node(ctx).install_membership(document)
    version = document["statement"]["version"]
    audited(ctx, "membership import", version=version)
    click.echo(f"membership version {version} " + ("installed" if new else "already held"))
