"""`enforce-share users` and `enforce-share audit`: people, their tokens, the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from ..access.roles import USER_ROLES
from ..access.service import users_and_tokens
from ..audit.service import audit_entries, verify_audit, witnesses
from ..clock import timestamp
from .context import audited, open_node


@click.group()
def users() -> None:
    """People using this node, their roles and API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(USER_ROLES))
@click.option("--password", is_flag=True,
              help="Also set a password for web sessions (asked for, never an argument).")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, password: bool) -> None:
    """Add a user NAME with a role."""
    secret = click.prompt("Password", hide_input=True, confirmation_prompt=True) \
        if password else None
    open_node(ctx).add_user(name, role, secret)
    audited(ctx, "users add", user=name, role=role)
    click.echo(f"user {name}: {role}")


@users.command("password")
@click.argument("name")
@click.pass_context
def users_password(ctx: click.Context, name: str) -> None:
    """Set NAME's password for web sessions (asked for); their signed-in sessions end."""
    secret = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    open_node(ctx).set_password(name, secret)
    audited(ctx, "users password", user=name)
    click.echo(f"password of {name} set; their web sessions ended")


@users.command("token")
@click.argument("name")
@click.option("--expires-in", "days", type=click.IntRange(min=1), default=90, show_default=True,
              help="Days until the token expires.")
@click.pass_context
def users_token(ctx: click.Context, name: str, days: int) -> None:
    """Issue an API token for NAME; it is printed once (only its hash is kept)."""
    issued = open_node(ctx).issue_token(name, timedelta(days=days))
    audited(ctx, "users token", user=name, token=issued.id, expires=issued.expires)
    click.echo(issued.token)


@users.command("revoke-token")
@click.argument("token_id")
@click.pass_context
def users_revoke_token(ctx: click.Context, token_id: str) -> None:
    """Revoke the token TOKEN_ID (as `users list` shows it)."""
    user = open_node(ctx).revoke_token(token_id)
    audited(ctx, "users revoke-token", user=user, token=token_id)
    click.echo(f"revoked token {token_id} of {user}")


@users.command("disable")
@click.argument("name")
@click.pass_context
def users_disable(ctx: click.Context, name: str) -> None:
    """Disable NAME: their tokens are revoked and their web sessions end."""
    revoked = open_node(ctx).disable_user(name)
    audited(ctx, "users disable", user=name)
    click.echo(f"disabled {name}; revoked {revoked} token(s)")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Users, roles, and their tokens (id, expiry, revoked)."""
    for user, tokens in users_and_tokens(open_node(ctx)):
        state = "disabled" if user.disabled else "active"
        click.echo(f"{user.name}\t{user.role}\t{state}")
        for token in tokens:
            expires = timestamp(token.expires) if token.expires else "never"
            revoked = f"revoked {timestamp(token.revoked)}" if token.revoked else "valid"
            click.echo(f"  token {token.id}\texpires {expires}\t{revoked}")


@click.group()
def audit() -> None:
    """The audit trail: who read, wrote, exported or changed what."""


@audit.command("verify")
@click.option("--partners", is_flag=True,
              help="Also ask each partner for the checkpoint of this node's log it holds, "
                   "and check the log here (and the anchors in it) still reaches it.")
@click.pass_context
def audit_verify(ctx: click.Context, partners: bool) -> None:
    """Recompute the hash chain and hold it against the heads anchored in the node's signed
    log; exit 1 naming the first entry altered or removed, or a partner's copy not reached."""
    node = open_node(ctx)
    verdict, anchored = verify_audit(node)
    if verdict.problem:
        raise click.ClickException(f"audit trail broken after {verdict.entries} good "
                                   f"entries: {verdict.problem}")
    click.echo(f"audit trail intact: {verdict.entries} entries, head {verdict.head}; "
               f"{anchored} anchor(s) in the log reached")
    if not partners:
        return
    held = witnesses(node)
    for witness in held:
        click.echo(f"{witness.partner}: " + (
            f"holds this log to seq {witness.seq}: reached" if witness.problem is None
            else ("not asked: " if not witness.asked else "") + witness.problem))
    if any(w.asked and w.problem for w in held):
        raise click.ClickException("a partner holds a history of this node's log that the "
                                   "node no longer has")
    if not any(w.asked for w in held):
        raise click.ClickException("no partner could be asked")


@audit.command("anchor")
@click.pass_context
def audit_anchor(ctx: click.Context) -> None:
    """Write the audit trail's head into the node's signed log now (the scheduler does at
    every heartbeat), where partners will hold it."""
    record = open_node(ctx).anchor_audit()
    click.echo(f"anchored at seq {record.seq} of the log" if record else
               "already anchored: the trail has not moved since")
    audited(ctx, "audit anchor", **({"record": record.id} if record else {}))


@audit.command("list")
@click.option("--user", "actor", help="Only this actor (user name, partner agency, cli:…).")
@click.option("--record", help="Only entries naming this record id.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.pass_context
def audit_list(ctx: click.Context, actor: str | None, record: str | None, limit: int) -> None:
    """The newest entries as JSON lines."""
    for entry in audit_entries(open_node(ctx), actor=actor, record=record, limit=limit):
        click.echo(json.dumps(entry, sort_keys=True))
