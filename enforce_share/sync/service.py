"""Partners and bundles as the CLI asks for them, each in one session of the node."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..node import Node
from ..partners import add_partner, list_partners
from ..signing.node_keys import current_signer
from ..signing.trust import export_jwks
from .bundle import Span, export_bundle
from .bundle_verify import BundleProof, verify_bundle


def trust_partner(node: Node, agency: str, jwks: dict[str, Any], url: str | None) -> list[str]:
    """Register (or update) a partner, trusting the keys of its JWK Set; their kids."""
    with node.transaction() as session:
        _, kids = add_partner(session, node.agency, agency, jwks, url)
        return kids


def partners_and_keys(node: Node) -> list[tuple[str, str | None, list[str]]]:
    """Each partner's agency, URL and trusted key ids."""
    with node.reading() as session:
        return [(partner.agency, partner.url,
                 [key["kid"] for key in export_jwks(session, partner.agency)["keys"]])
                for partner in list_partners(session)]


def export_exchange_bundle(node: Node, recipient: str, since: Mapping[str, int],
                           write: Callable[[dict[str, Any]], None]) -> list[Span]:
    """Write every log held here, as the feed serves ``recipient``, with a header signed by
    this node's current key (``bundle.export_bundle``)."""
    with node.reading() as session:
        signer = current_signer(session, node.agency, node.config.keys_dir)
        return export_bundle(session, node.agency, recipient, since, write, signer=signer)


def check_bundle(node: Node, lines: Iterable[Any]) -> BundleProof:
    """Verify a bundle against this node's trusted keys, storing nothing."""
    with node.reading() as session:
        return verify_bundle(session, lines)
