"""What every `enforce-share` command module needs: the node of the root `--data-dir`, the
name the audit trail gives whoever runs the command, and JSON files read and printed."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import click

from .. import members
from ..audit.trail import Event
from ..config import load_config
from ..errors import InvalidInput
from ..node import Node
from ..sync.puller import Outcome


def open_node(ctx: click.Context) -> Node:
    """The initialised node of the root command's --data-dir (one per command run), closed
    when the command ends."""
    root = ctx.find_root()
    node = root.meta.get("enforce_share.node")
    if node is None:
        node = Node(load_config(root.obj))
        node.config.require_agency()
        root.meta["enforce_share.node"] = node
        root.call_on_close(node.close)
    return node


class AgencyCode(click.ParamType):
    """An agency code on the command line: upper-cased and checked for form here; whether it
    is a member's is for the command to say, once the node's membership is read."""

    name = "AGENCY"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        code = str(value).upper()
        if not members.CODE.fullmatch(code):
            self.fail(f"{value!r} is not an agency code (ISO 3166-1 alpha-3, e.g. "
                      f"{', '.join(members.codes()[:3])})", param, ctx)
        return code


AGENCY = AgencyCode()


def operator() -> str:
    """Who runs this command, as the audit trail names them."""
    return f"cli:{getpass.getuser()}"


def audited(ctx: click.Context, action: str, **target: Any) -> None:
    """Record a change or export made by this command in the node's audit trail."""
    open_node(ctx).audit(Event(operator(), action, "ok", target=target))


def outcome_line(outcome: Outcome) -> str:
    """One origin pulled or imported from one peer, as `sync` and `bundle import` print it."""
    line = (f"{outcome.origin} from {outcome.peer}: +{outcome.stored} records, "
            f"+{outcome.placeholders} placeholders, {outcome.upgraded} upgraded; "
            f"held seq {outcome.held}")
    return line + (f"  [{outcome.error}]" if outcome.error else "")


def read_json(path: Path) -> Any:
    """The JSON document in the file a command was given (InvalidInput if it is none)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from exc
    except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
        raise InvalidInput(f"{path} is not JSON this node reads: a number has too many "
                           "digits") from exc


def echo_json(document: Any) -> None:
    """Print a JSON document as the commands do: indented, keys sorted, UTF-8 kept."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True))
