"""What every `enforce-share` command module needs: the node of the root `--data-dir`."""

from __future__ import annotations

import click

from .config import load_config
from .node import Node


def open_node(ctx: click.Context) -> Node:
    """The initialised node of the root command's --data-dir, closed when the command ends."""
    node = Node(load_config(ctx.find_root().obj))
    node.config.require_agency()
    ctx.call_on_close(node.close)
    return node
