"""Checking a page of signed entries in a helper process while this one stores the last page.

Canonical bytes (RFC 8785), shape and signature of an entry depend only on the entry and on
the trust registry, and they are most of what a catch-up costs. A :class:`Prechecker` sends
each large page, with a snapshot of the registry, to a helper process on the other core, and
:func:`ingest` takes its verdicts instead of checking again, but only while the registry
is still the one the verdicts were made with. When the helper fails, or a page brings new
keys or revocations, the entries are checked in this process as before: the helper only
saves time, it never decides alone.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import Any

import orjson

from ..errors import VerificationError
from ..signing.trust import Snapshot, TrustRegistry, keys_of
from .drafts import STATEMENT_TYPES
from .verify import checked_shape

log = logging.getLogger(__name__)

#: Pages with fewer signed entries are checked in this process: not worth a hand-over.
MIN_ENTRIES = 100
#: Helpers start only for a log this many entries behind: starting one costs about what
#: checking 3,000 records does, and a demo federation's rounds would rather not pay it.
START_AT = 10_000
#: Helper processes at most (one per core up to this).
MAX_PROCESSES = 4


@dataclass(frozen=True)
class Verdict:
    """One signed entry, checked: the first failure, by stage, or its canonical bytes."""

    shape: tuple[str, str] | None = None  # (reason, message) if the record is malformed
    signature: tuple[str, str] | None = None  # (reason, message) if key or signature fail
    payload: bytes | None = None  # the record's RFC 8785 bytes when both hold
    prepared: Any = None  # what the Prechecker's ``prepare`` made of the record, if given


@dataclass(frozen=True)
class Verdicts:
    """Verdicts for a page's entries (None for a placeholder), and the registry used."""

    snapshot: Snapshot
    entries: Sequence[Verdict | None]

    def valid_for(self, registry: TrustRegistry, entries: Sequence[Any]) -> bool:
        """Whether these are verdicts on ``entries`` under ``registry``'s keys (the ones they
        were made with: a verdict on a record depends on its key's place in the log alone;
        roots and the membership concern statements, which helpers leave to this process)."""
        return (registry.snapshot is not None and keys_of(registry.snapshot)
                == keys_of(self.snapshot) and len(entries) == len(self.entries))


def _signed(entry: Any) -> bool:
    """Whether a feed entry is a signed record (else a placeholder, or malformed)."""
    return isinstance(entry, dict) and "record" in entry


def _statement(entry: dict[str, Any]) -> bool:
    """Whether a signed entry carries a root, disavowal or membership statement: checked
    in the storing process, which holds the membership and roots as they stand."""
    record = entry["record"]
    return isinstance(record, dict) and record.get("type") in STATEMENT_TYPES


#: Work on a verified record that storing it will need and that depends on the record alone
#: (e.g. its search document), done ahead in a helper: a module-level function (pickled by
#: name), whose result the store uses in place of doing the work itself.
Prepare = Callable[[dict[str, Any]], Any]


def check_entries(entries: Sequence[Any], snapshot: Snapshot, prepare: Prepare | None = None
                  ) -> Verdicts:
    """What :func:`ingest` would find checking each signed entry's shape, key and signature,
    and for each record that passes, ``prepare(record)`` if given."""
    registry = TrustRegistry.from_snapshot(snapshot)
    verdicts: list[Verdict | None] = []
    for entry in entries:
        if not _signed(entry) or _statement(entry):
            verdicts.append(None)  # a placeholder, malformed, a statement: ingest checks it
            continue
        try:
            record = checked_shape(entry)
        except VerificationError as exc:
            verdicts.append(Verdict(shape=(exc.reason, exc.detail)))
            continue
        try:
            payload = registry.verify_record(record, entry["jws"])
        except VerificationError as exc:
            verdicts.append(Verdict(signature=(exc.reason, exc.detail)))
            continue
        verdicts.append(Verdict(payload=payload,
                                prepared=prepare(record) if prepare is not None else None))
    return Verdicts(snapshot, verdicts)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a page's worth of objects is built at once:
    enough containers to set off several collections, each walking every object the process
    holds (parsing a page took 54 us a record with them, 12 without; reading back a page's
    verdicts 60 us, 5 without). What is built holds no cycles, so nothing is freed later."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_page(raw: bytes) -> Any:
    """A feed page's JSON, parsed with the collector paused."""
    with _collector_paused():
        return orjson.loads(raw)


def _check_page(raw: bytes | None, entries: Sequence[Any] | None, start: int, stop: int,
                snapshot: Snapshot, prepare: Prepare | None) -> bytes:
    """In a helper: :func:`check_entries` on ``entries[start:stop]`` of the feed page whose
    JSON is ``raw`` (bytes pickle at almost no cost; parsed entries cost a helper more than
    parsing them), else of ``entries``; the verdicts pickled here, so that the storing
    process reads them back in :meth:`Prechecker.result` with its collector paused (the
    executor's own unpickling, in a thread of its own, cannot pause it)."""
    with _collector_paused():  # all it builds lives as long as the page: no cycles
        page = orjson.loads(raw)["entries"] if raw is not None else entries
        return pickle.dumps(check_entries(page[start:stop], snapshot, prepare),
                            protocol=pickle.HIGHEST_PROTOCOL)


def _exit_with_parent(parent: int) -> None:
    """In a helper: exit as soon as the process that started it is gone (even by SIGKILL).
    The helper is the fork server's child, not the puller's: it watches the puller's pid."""
    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid was taken by another user's process
                os._exit(1)
            time.sleep(0.2)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _helpers_context(preload: Sequence[str]) -> BaseContext:
    """Helpers forked from a fork server that has imported what they run (``preload``, then
    ``precheck_server``): a spawned helper imported it again each round (2 to 3 s of CPU
    each, paid by every catch-up), a fork of the puller itself would copy a process with
    threads and open connections. The first prechecker of a process starts the server."""
    context = get_context("forkserver")
    context.set_forkserver_preload([*preload, f"{__package__}.precheck_server"])
    return context


class Prechecker:
    """Helper processes checking pages ahead, started once a log is far enough behind.

    Use as a context manager (the processes stop at exit). :meth:`submit` splits a page
    among the helpers and returns its futures, or None when the page is small or the helpers
    are gone; :meth:`result` joins the verdicts.
    """

    def __init__(self, processes: int | None = None, prepare: Prepare | None = None,
                 pages_at_once: int = 1, preload: Sequence[str] = ()) -> None:
        self._processes = processes or min(os.cpu_count() or 1, MAX_PROCESSES)
        self._prepare = prepare
        self._preload = tuple(preload)  # modules ``prepare`` needs, loaded once for all
        # A page is split among the helpers a page in flight leaves it: each part parses
        # the whole page, so a page per helper when pages come ``pages_at_once``.
        self._parts = max(1, self._processes // max(1, pages_at_once))
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    def submit(self, entries: Sequence[Any], snapshot: Snapshot | None, behind: int,
               raw: bytes | None = None) -> list[Future[bytes]] | None:
        """Have the helpers check ``entries`` under the registry ``snapshot``; ``behind`` is
        how many entries of the log are still to come, these included (a hint). ``raw``:
        the JSON bytes of the feed page ``entries`` were parsed from (with orjson), if
        known, which the helpers then parse themselves."""
        if self._broken or snapshot is None or (self._pool is None and behind < START_AT) or sum(
                1 for entry in entries if _signed(entry)
        ) < MIN_ENTRIES:
            return None
        size = -(-len(entries) // self._parts)
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._processes, mp_context=_helpers_context(self._preload),
                    initializer=_exit_with_parent, initargs=(os.getpid(),))
            return [self._pool.submit(_check_page, raw,
                                      None if raw is not None else entries[start:start + size],
                                      start if raw is not None else 0,
                                      start + size if raw is not None else size,
                                      snapshot, self._prepare)
                    for start in range(0, len(entries), size)]
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            self._give_up(exc)
            return None

    def result(self, futures: list[Future[bytes]] | None) -> Verdicts | None:
        """The verdicts of the futures :meth:`submit` returned, joined; or None if there are
        none (check in this process)."""
        if futures is None:
            return None
        try:
            pickled = [future.result() for future in futures]
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            self._give_up(exc)
            return None
        with _collector_paused():
            parts: list[Verdicts] = [pickle.loads(part) for part in pickled]
        return Verdicts(parts[0].snapshot, [verdict for part in parts for verdict in part.entries])

    def _give_up(self, exc: BaseException) -> None:
        log.warning("precheck helper failed (%s): checking in this process", exc)
        self._broken = True

    def __enter__(self) -> Prechecker:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
