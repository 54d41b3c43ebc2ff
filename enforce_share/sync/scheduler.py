"""The sync scheduler: one process per node (`enforce-share scheduler`), never in gunicorn.

APScheduler runs one job per partner every ``interval`` seconds, and signs a heartbeat
checkpoint of the node's own log every ``heartbeat`` seconds (config). A partner that fails a whole
round is retried after an exponentially growing pause (interval × 2^failures, at most
``max_backoff``). A lock file in the data dir makes a second scheduler of the same node refuse
to start, however many gunicorn workers serve the API.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from ..config import Config
from ..errors import ConfigError
from .puller import Outcome

log = logging.getLogger(__name__)
LOCK_FILE = "scheduler.lock"


class PeerFeed(Protocol):
    """A partner's feed as the scheduler sees it: whom it pulls, and the connection."""

    agency: str

    def close(self) -> None:
        """Close pooled connections."""
        ...


class Syncing(Protocol):
    """The node the scheduler drives (``node.Node``)."""

    config: Config

    def peers(self, only: str | None = None) -> Sequence[PeerFeed]:
        """Its partners' feeds."""
        ...

    def sync(self, only: str | None = None) -> list[Outcome]:
        """One round of pulls from the partners (or the one named)."""
        ...

    def heartbeat(self) -> Any:
        """Sign a checkpoint of its own log, so partners know it is alive."""
        ...


@contextmanager
def single_instance(data_dir: Path) -> Iterator[None]:
    """Hold the node's scheduler lock; ConfigError if another scheduler holds it."""
    path = data_dir / LOCK_FILE
    handle = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"another scheduler runs for {data_dir} ({path} is locked)"
                              ) from None
        os.ftruncate(handle, 0)
        os.write(handle, str(os.getpid()).encode())
        yield
    finally:
        os.close(handle)


@dataclass
class Backoff:
    """Per-partner pause after failed rounds: interval × 2^failures, capped."""

    interval: float
    max_backoff: float
    failures: dict[str, int] = field(default_factory=dict)
    not_before: dict[str, float] = field(default_factory=dict)

    def due(self, peer: str, now: float) -> bool:
        """Whether ``peer`` may be pulled at ``now``."""
        return now >= self.not_before.get(peer, 0.0)

    def record(self, peer: str, outcomes: list[Outcome], now: float) -> None:
        """Reset after any success; otherwise double the pause."""
        if outcomes and all(outcome.error for outcome in outcomes):
            failures = self.failures.get(peer, 0) + 1
            self.failures[peer] = failures
            pause = min(self.interval * 2 ** failures, self.max_backoff)
            self.not_before[peer] = now + pause
            log.warning("sync with %s failed %d time(s); next try in %.0f s", peer, failures,
                        pause)
        else:
            self.failures.pop(peer, None)
            self.not_before.pop(peer, None)


def run(node: Syncing, interval: float, max_backoff: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        jobs: Sequence[tuple[str, float, Callable[[], Any]]] = ()) -> None:
    """Pull every partner every ``interval`` seconds until stopped (SIGTERM / Ctrl-C); also
    run each of ``jobs`` (name, seconds between runs, what to run), first at start."""
    backoff = Backoff(interval, max_backoff)
    # One worker: pulls of a node never race each other for the same origin's next seq.
    scheduler = BlockingScheduler(timezone="UTC", executors={"default": ThreadPoolExecutor(1)})

    def pull(peer: str) -> None:
        if not backoff.due(peer, clock()):
            return
        outcomes = node.sync(peer)
        backoff.record(peer, outcomes, clock())
        for outcome in outcomes:
            if outcome.stored or outcome.placeholders or outcome.upgraded or outcome.error:
                log.info("%s from %s: +%d records, +%d placeholders, %d upgraded%s",
                         outcome.origin, outcome.peer, outcome.stored, outcome.placeholders,
                         outcome.upgraded, f" [{outcome.error}]" if outcome.error else "")

    def heartbeat() -> None:
        node.heartbeat()

    with single_instance(node.config.data_dir):
        scheduler.add_job(heartbeat, "interval", seconds=node.config.heartbeat, id="heartbeat",
                          max_instances=1, coalesce=True)
        for name, seconds, job in jobs:
            scheduler.add_job(job, "interval", seconds=seconds, id=name, max_instances=1,
                              coalesce=True, next_run_time=datetime.now(UTC))
        for peer in node.peers():  # partners known at start; restart to pick up new ones
            scheduler.add_job(pull, "interval", seconds=interval, args=[peer.agency],
                              id=f"pull-{peer.agency}", max_instances=1, coalesce=True,
                              next_run_time=datetime.now(UTC))
            peer.close()
        scheduler.start()
