"""The demo scenario held by one node, as a partner would hold it after syncing: the demo
federation's five nodes set up (each its own share of the scenario), then each partner's
log brought to the node in an exchange bundle (the offline form of a pull, with its checks)."""

from __future__ import annotations

from pathlib import Path

from enforce_share.adapters.bundle_file import BundleFile, bundle_writer
from enforce_share.config import load_config
from enforce_share.demo import federation
from enforce_share.node import Node
from enforce_share.sync.bundle import import_bundle
from enforce_share.sync.service import export_exchange_bundle

PASSWORD = "demo password for the desk"


def demo_node(root: Path, agency: str = "USA", records: int = 600) -> Path:
    """Set up the demo federation under ``root`` and bring every partner's records released
    to ``agency`` to its node; return that node's data dir. Its users (analyst, liaison,
    admin) sign in with ``federation.DEMO_PASSWORDS``' file in the data dir."""
    federation.set_up(root, records, 7, lambda line: None)
    target = root / agency
    node = Node(load_config(target))
    try:
        for member in federation.members(root):
            if member.agency == agency:
                continue
            partner = Node(load_config(member.data_dir))
            path = root / f"{member.agency}-for-{agency}.jsonl"
            try:
                with bundle_writer(path, lambda n: None) as write:
                    export_exchange_bundle(partner, agency, {}, write)
            finally:
                partner.close()
            import_bundle(node, BundleFile(path, lambda n: None))
        node.rebuild_graph()
    finally:
        node.close()
    return target
