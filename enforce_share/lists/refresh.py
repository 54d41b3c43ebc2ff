"""The scheduled refresh of the reference lists: from the drop folder, or from URLs.

Each source is refreshed from ``INBOX/<source>/`` when that folder holds files (nodes on
isolated networks get their files by hand), else from the URLs ``list_urls`` names, each
downloaded (at most ``MAX_FILE_BYTES``) into ``DATA_DIR/lists-cache/<source>/`` and renamed
into place once whole. Files imported before are a no-op; a source that fails is reported
and the others go on: a list held stays as it was until a good file comes.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests

from ..adapters.lists.common import MAX_FILE_BYTES
from ..audit.trail import Event
from ..config import Config
from ..db import Storage
from ..errors import Error
from .entries import SOURCES, ListFormatError
from .importer import Outcome
from .service import import_files, list_files

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger(__name__)
TIMEOUT = 60


@dataclass(frozen=True)
class Refreshed:
    """One source's refresh: where its files came from, and the import's outcome or error."""

    source: str
    origin: str
    outcome: Outcome | None = None
    error: str | None = None


def refresh(storage: Storage, config: Config,
            download: Callable[[str, Path], Path] | None = None) -> list[Refreshed]:
    """Refresh every source that has a drop folder with files or configured URLs."""
    urls = dict(config.list_urls)
    fetch = download or fetch_file
    done = []
    for source in SOURCES:
        folder = config.inbox / source
        try:
            if folder.is_dir() and list_files([folder]):
                origin, paths = str(folder), [folder]
            elif source in urls:
                origin = " ".join(urls[source])
                cache = config.data_dir / "lists-cache" / source
                cache.mkdir(parents=True, exist_ok=True, mode=0o700)
                paths = [fetch(url, cache) for url in urls[source]]
            else:
                continue
            outcome = import_files(storage, source, paths, via=f"refresh {origin}")
            done.append(Refreshed(source, origin, outcome))
        except (Error, OSError, requests.RequestException) as exc:
            log.warning("list refresh of %s failed: %s", source, exc)
            done.append(Refreshed(source, locals().get("origin", source), error=str(exc)))
    return done


def scheduled(node: Node) -> list[Refreshed]:
    """The scheduler's job: refresh, log, and audit each import that changed a list."""
    done = refresh(node, node.config)
    for item in done:
        if item.outcome is not None and not item.outcome.unchanged:
            log.info("list %s: import %d, +%d added, %d changed, %d removed", item.source,
                     item.outcome.import_id, item.outcome.added, item.outcome.changed,
                     item.outcome.removed)
            node.audit(Event(f"node:{node.agency}", "lists refresh", "ok", target={
                "source": item.source, "import_id": item.outcome.import_id,
                "origin": item.origin}))
    return done


def fetch_file(url: str, folder: Path, limit: int = MAX_FILE_BYTES) -> Path:
    """Download ``url`` into ``folder`` under the last part of its path; refused beyond
    ``limit`` bytes, and only renamed into place once whole."""
    if urlsplit(url).scheme not in ("https", "http"):
        raise ListFormatError(url, "only http and https URLs are fetched")
    name = PurePosixPath(urlsplit(url).path).name or "list"
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".partial-")
    try:
        with requests.get(url, stream=True, timeout=TIMEOUT) as response, \
                os.fdopen(handle, "wb") as out:
            response.raise_for_status()
            size = 0
            for chunk in response.iter_content(1 << 16):
                size += len(chunk)
                if size > limit:
                    raise ListFormatError(url, f"larger than {limit:,} bytes: refused")
                out.write(chunk)
        target = folder / name
        os.replace(partial, target)
        return target
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
