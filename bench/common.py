"""Pieces both bench scripts use: scenario drafts made one agency's own, progress bars."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tqdm import tqdm

from enforce_share.records.drafts import KEY_TYPES, Draft


def progress(total: int, desc: str) -> tqdm:
    """A progress bar on stderr (hidden when stderr is not a terminal)."""
    return tqdm(total=total, desc=desc, unit="rec", disable=None, leave=False, file=sys.stderr)


def as_gbr(items: Iterable[dict[str, Any]]) -> Iterator[Draft]:
    """Scenario drafts made GBR's own, less the references one origin alone could not make.

    Once every draft is GBR's, supersedes and withdrawals may meet targets of another type or
    already superseded or withdrawn: those are cleared (supersedes) or skipped (withdrawals),
    as the node would refuse them. The ground truth is left out.
    """
    types: dict[str, str] = {}
    superseded: set[str] = set()
    withdrawn: set[str] = set()
    for item in items:
        if item["type"] in KEY_TYPES or item["id"] in types:
            continue
        marking = dict(item["marking"])
        marking["releasable_to"] = list(dict.fromkeys([*marking["releasable_to"], "GBR", "USA"]))
        supersedes = item.get("supersedes")
        if supersedes and (types.get(supersedes) != item["type"] or supersedes in superseded
                           or supersedes in withdrawn):
            supersedes = None
        if item["type"] == "withdrawal":
            target = item["body"]["target"]
            if target not in types or target in withdrawn:
                continue
            withdrawn.add(target)
        if supersedes:
            superseded.add(supersedes)
        types[item["id"]] = item["type"]
        yield Draft(type=item["type"], marking=marking, body=item["body"],
                    supersedes=supersedes, id=item["id"])


def b64url(data: bytes) -> bytes:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url (RFC 4648)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BareVerifier:
    """The bound both benches compare with: RFC 8785 bytes and one Ed25519 verification."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.keys = {jwk["kid"]: Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
                     for jwk in jwks["keys"]}
        self.by_header: dict[str, Ed25519PublicKey] = {}

    def verify(self, document: dict[str, Any]) -> None:
        """Verify one signed record ``{record, jws}`` with no other check."""
        protected, _, signature = document["jws"].split(".")
        key = self.by_header.get(protected)
        if key is None:
            key = self.by_header[protected] = self.keys[json.loads(unb64url(protected))["kid"]]
        payload = rfc8785.dumps(document["record"])
        key.verify(unb64url(signature), protected.encode() + b"." + b64url(payload))
