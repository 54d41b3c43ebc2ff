"""An agency's root keys, kept offline: a folder of private keys and its public description.

``enforce-share root init --keys N --threshold K --out DIR`` writes N Ed25519 private keys
(PKCS#8, mode 0600, in a 0700 folder) and ``root.json``: their public JWKs and the threshold,
which is what the membership document lists for the agency. The folder belongs on removable
media or a machine with no network, never in the node's data dir: root keys are the only
way to announce or retire the node's online keys, and to disavow what a stolen one signed.
``enforce-share root sign FILE --root DIR`` adds signatures to a statement there.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import OKPKey

from ..errors import KeyManagementError
from .keys import (
    generate_key,
    kid_of,
    load_private_key,
    private_kids,
    public_jwk,
    write_private_key,
)

PUBLIC_FILE = "root.json"


@dataclass(frozen=True)
class RootKeys:
    """The root keys held in a folder (all of them, or the share one key holder keeps)."""

    keys: tuple[OKPKey, ...]
    threshold: int

    def public(self) -> dict[str, Any]:
        """``{"root_keys": [JWK, ...], "threshold": K}``."""
        return {"root_keys": [public_jwk(key) for key in self.keys], "threshold": self.threshold}


def create_root(folder: Path, count: int, threshold: int) -> RootKeys:
    """Write ``count`` new root keys and ``root.json`` into ``folder`` (new or empty)."""
    if not 1 <= threshold <= count <= 16:
        raise KeyManagementError("need 1 <= threshold <= keys <= 16")
    if folder.exists() and any(folder.iterdir()):
        raise KeyManagementError(f"{folder} is not empty: root keys are never overwritten")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = tuple(generate_key() for _ in range(count))
    for key in keys:
        write_private_key(folder, key)
    root = RootKeys(keys, threshold)
    fd = os.open(folder / PUBLIC_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(root.public(), out, indent=2)
    return root


def load_root(folder: Path) -> RootKeys:
    """The private root keys in ``folder`` and the threshold its ``root.json`` states."""
    try:
        public = json.loads((folder / PUBLIC_FILE).read_text(encoding="utf-8"))
        threshold = int(public["threshold"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyManagementError(f"{folder} holds no readable {PUBLIC_FILE}: make root keys "
                                 "with `enforce-share root init`") from exc
    keys = tuple(load_private_key(folder, kid) for kid in sorted(private_kids(folder)))
    if not keys:
        raise KeyManagementError(f"{folder} holds no root private key")
    listed = {jwk["kid"] for jwk in public.get("root_keys", ())}
    if any(kid_of(key) not in listed for key in keys):
        raise KeyManagementError(f"{folder} holds a key its {PUBLIC_FILE} does not list")
    return RootKeys(keys, threshold)


def read_public(path: Path) -> dict[str, Any]:
    """A ``root.json`` (or the folder holding one): the root's public keys and threshold."""
    path = path / PUBLIC_FILE if path.is_dir() else path
    try:
        public = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyManagementError(f"cannot read root keys from {path}: {exc}") from exc
    if not isinstance(public, dict) or not isinstance(public.get("root_keys"), list):
        raise KeyManagementError(f"{path} is not a root.json")
    return public


def default_root_dir(data_dir: Path) -> Path:
    """Where `init` makes a node's root key when it is given none: beside the data dir, never
    in it (move it offline)."""
    return data_dir.with_name(f"{data_dir.name}-root")
