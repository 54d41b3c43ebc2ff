"""The demo scenario held by one node, as a partner would hold it after syncing: the demo
federation's five nodes set up (each its own share of the scenario), then each partner's
log brought to the node in an exchange bundle (the offline form of a pull, with its checks).
On PostgreSQL, the node is a second one of the same agency, on that database, trusting the
partners: its own share signed anew, the partners' logs imported the same way."""

from __future__ import annotations

from pathlib import Path

from enforce_share.adapters.bundle_file import BundleFile, bundle_writer
from enforce_share.config import load_config
from enforce_share.demo import federation
from enforce_share.demo.scenario.load import load_own_drafts
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.sync.bundle import import_bundle
from enforce_share.sync.service import export_exchange_bundle


def demo_node(root: Path, agency: str = "USA", records: int = 600,
              database_url: str | None = None) -> Path:
    """Set up the demo federation under ``root`` and a node of ``agency`` holding every
    partner record released to it; return its data dir, whose demo users' passwords
    ``federation.demo_users`` reads."""
    federation.set_up(root, records, 7, lambda line: None)
    target = root / agency
    if database_url is not None:
        target = root / f"{agency}-on-postgresql"
        Node.initialise(load_config(target, agency=agency, database_url=database_url))[0].close()
    node = Node(load_config(target))
    try:
        if database_url is not None:
            _join(node, root, agency)
        for member in federation.members(root):
            if member.agency == agency:
                continue
            partner = Node(load_config(member.data_dir))
            path = root / f"{member.agency}-for-{target.name}.jsonl"
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


def _join(node: Node, root: Path, agency: str) -> None:
    """Trust the partners, sign this agency's share of the scenario, add the demo users."""
    for member in federation.members(root):
        if member.agency != agency:
            partner = Node(load_config(member.data_dir))
            try:
                with node.transaction() as session:
                    add_partner(session, agency, member.agency, partner.jwks(), member.url)
            finally:
                partner.close()
    load_own_drafts(node, root / "scenario.jsonl")
    for name, (role, password) in federation.demo_users(root / agency).items():
        node.add_user(name, role, password)
    passwords = (root / agency / federation.PASSWORD_FILE).read_bytes()
    (node.config.data_dir / federation.PASSWORD_FILE).write_bytes(passwords)
