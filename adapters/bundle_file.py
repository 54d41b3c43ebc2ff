"""Bundle files: JSON Lines, gzip when the name ends in ``.gz``, owner-only, written atomically,
read as often as a check needs."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from enforce_share.errors import InvalidInput

Progress = Callable[[int], None]


def is_gzip(path: Path) -> bool:
    """Whether the bundle at ``path`` is (to be) gzip-compressed: by its name."""
    return path.suffix == ".gz"


@contextmanager
def bundle_writer(path: Path, progress: Progress | None = None
                  ) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Yield ``write(line)``; the file appears at ``path`` only once every line is written.

    The file holds records released to one partner (possibly TLP:RED), so it is created
    mode 0600. ``progress`` gets the number of log entries of each page written.
    """
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.unlink(missing_ok=True)  # left by an export that crashed
        descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise InvalidInput(f"Cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(descriptor, "wb") as raw:
            stream: IO[bytes] = (gzip.GzipFile(path.name, "wb", fileobj=raw) if is_gzip(path)
                                 else raw)
            with stream:

                def write(line: dict[str, Any]) -> None:
                    stream.write(json.dumps(line, ensure_ascii=False,
                                            separators=(",", ":")).encode() + b"\n")
                    if progress is not None:
                        progress(len(line.get("entries", ())))

                yield write
        try:
            os.replace(partial, path)
        except OSError as exc:
            raise InvalidInput(f"Cannot write {path}: {exc.strerror}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def bundle_size(path: Path) -> int:
    """The file's size in bytes (the total of ``read_bundle``'s progress)."""
    try:
        return path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}") from exc


def read_bundle(path: Path, progress: Progress | None = None) -> Iterator[Any]:
    """The parsed lines of the bundle at ``path``; ``progress`` gets the file bytes read."""
    try:
        with path.open("rb") as raw:
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if is_gzip(path) else raw
            position = 0
            for number, line in enumerate(stream, 1):
                try:
                    yield json.loads(line)
                except ValueError as exc:  # not JSON, not UTF-8, or a number too long
                    raise InvalidInput(f"{path}:{number}: not JSON") from exc
                if progress is not None:
                    progress(raw.tell() - position)
                    position = raw.tell()
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise InvalidInput(f"Cannot read {path}: {exc}") from exc


@dataclass(frozen=True)
class BundleFile:
    """The bundle at ``path`` as lines to iterate more than once: each iteration reads the
    file from its first line (import checks a bundle whole before it stores any of it,
    without holding the file in memory). ``progress`` gets the bytes read, pass after pass."""

    path: Path
    progress: Progress | None = None

    def __iter__(self) -> Iterator[Any]:
        return read_bundle(self.path, self.progress)
