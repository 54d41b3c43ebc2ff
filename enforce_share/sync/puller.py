"""Pulling partners' feeds: verify every page against the origin's checkpoint, then store it.

Each page is stored in one transaction, so a crash mid-pull loses nothing and repeats nothing.
A page that fails is stored nowhere: its bad entry goes to quarantine, the peer is not asked
for that origin again until another node supplied the seq, and the round goes on.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Storage, utcnow
from ..errors import Error, VerificationError
from ..records.ingest import BadEntry, IngestResult, ingest
from ..records.models import LogHead, Placeholder
from ..records.precheck import Prechecker, Verdicts, load_page
from ..search import terms as search_terms
from ..signing.trust import Snapshot, TrustRegistry, keys_of
from .checkpoints import Equivocated, check_consistent, keep, verified_checkpoint
from .models import Equivocation, Quarantined, SyncState

log = logging.getLogger(__name__)
PAGE = 1000
#: Owed records asked for per request, and per origin and peer in one round at most.
OWED_PER_REQUEST = 500
OWED_PER_ROUND = 5000


class FeedPage(dict[str, Any]):
    """A feed page as parsed (with orjson), and ``raw``: the bytes it was parsed from,
    which the prechecker's helpers parse again rather than be sent the parsed entries."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(load_page(raw))
        self.raw = raw


class Puller(Storage, Protocol):
    """The node that pulls: its database, and its trust registry as it stands."""

    def registry(self) -> TrustRegistry:
        """A snapshot of the trust registry."""
        ...


class Peer(Protocol):
    """A partner node's feed (adapters.peer_http.HttpPeer over HTTP)."""

    agency: str

    def feed(self, origin: str, after: int, limit: int) -> dict[str, Any]:
        """One page of ``origin``'s log after ``after`` (a FeedPage where it has the bytes)."""
        ...

    def entries(self, origin: str, seqs: Sequence[int]) -> dict[str, Any]:
        """The entries at ``seqs`` of ``origin``'s log, as the peer holds them."""
        ...


@dataclass
class Outcome:
    """What pulling one origin from one peer did."""

    peer: str
    origin: str
    stored: int = 0
    placeholders: int = 0
    upgraded: int = 0
    held: int = 0
    error: str | None = None
    prechecked: int = 0  # of the stored, how many a helper process checked
    peer_seq: int | None = None  # the seq of the peer's latest checkpoint of the origin


def sync_round(node: Puller, peers: Sequence[Peer],
               report: Callable[[Outcome], None] | None = None,
               progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Pull every other origin's log from every peer, the origin itself first, and ask each
    for the records owed to this node that it holds only as placeholders.

    ``report`` gets each origin's outcome from each peer when done, ``progress`` the outcome
    so far after every page stored.
    """
    outcomes = []
    with Prechecker(prepare=search_terms.prepare, preload=[search_terms.__name__],
                    pages_at_once=READ_AHEAD) as prechecker:  # search docs made ahead
        for origin in node.registry().membership.codes:
            if origin == node.agency:
                continue
            for peer in sorted(peers, key=lambda p: p.agency != origin):
                outcome = pull_origin(node, peer, origin, prechecker=prechecker,
                                      progress=progress)
                if outcome.error is None:
                    fetch_owed(node, peer, origin, outcome)
                outcomes.append(outcome)
                if report:
                    report(outcome)
    return outcomes


Fetched = tuple[dict[str, Any], "list[Future[bytes]] | None"]


def pull_origin(node: Puller, peer: Peer, origin: str, limit: int = PAGE,
                prechecker: Prechecker | None = None,
                progress: Callable[[Outcome], None] | None = None) -> Outcome:
    """Follow ``origin``'s log at ``peer`` until it has nothing new (or fails).

    Three stages overlap: while this thread stores one page, the pages after it are fetched
    in a thread of their own (following the peer's ``next`` cursor, up to
    :data:`READ_AHEAD` ahead) and each is checked by the prechecker's helpers as it arrives.
    A fetched page that does not start where the stored log ends, or that was checked with
    keys this node no longer holds as they are, is dropped and the reading ahead starts again
    from there.
    """
    outcome = Outcome(peer.agency, origin)

    def fetch(after: int, snapshot: Snapshot | None) -> Fetched:
        page = peer.feed(origin, after, limit)
        entries = page.get("entries")
        if prechecker is None or not isinstance(entries, list):
            return page, None
        behind = max(_claimed_seq(page), _held_hint(page)) - after
        return page, prechecker.submit(entries, snapshot, behind, getattr(page, "raw", None))

    reader: _ReadAhead | None = None
    try:
        while True:
            held, blocked = resume_point(node, peer.agency, origin)
            if blocked is not None:
                outcome.held, outcome.error = held, blocked
                return outcome
            snapshot = node.registry().snapshot
            if reader is None or not reader.continues(held, snapshot):
                if reader is not None:
                    reader.close()
                reader = _ReadAhead(fetch, held, snapshot)
            try:
                page, checking = reader.next()
            except Error as exc:
                _failed(node, peer.agency, origin, exc.message)
                outcome.held, outcome.error = held, exc.message
                return outcome
            following = page.get("next")
            try:
                verdicts = prechecker.result(checking) if prechecker is not None else None
                stored = apply_page(node, peer.agency, origin, held, page, verdicts)
            except VerificationError as exc:
                outcome.held, outcome.error = held, exc.message  # "reason: detail"
                return outcome
            except Exception as exc:  # a page this node cannot store: quarantined, not retried
                log.exception("storing %s from %s failed", origin, peer.agency)
                unstorable = VerificationError("unstorable", f"{exc.__class__.__name__} while "
                                               "storing the page")
                _reject(node, peer.agency, origin, held, page, unstorable)
                outcome.held, outcome.error = held, unstorable.message
                return outcome
            outcome.stored += stored.stored
            outcome.placeholders += stored.placeholders
            outcome.upgraded += stored.upgraded
            outcome.prechecked += stored.prechecked
            outcome.held = stored.heads.get(origin, (held, ""))[0]
            if page.get("checkpoint"):  # verified by apply_page; "held" is the peer's word
                outcome.peer_seq = max(_claimed_seq(page), _held_hint(page))
            if progress:
                progress(outcome)
            if following is None or outcome.held == held:
                return outcome
    finally:
        if reader is not None:
            reader.close()


#: Feed pages fetched (and handed to the prechecker) ahead of the page being stored. With
#: one, fetching, checking and storing took turns (a page's fetch began as the page before
#: was taken up); with two, each stage has the next page ready.
READ_AHEAD = 2


class _ReadAhead:
    """Pages of a log after ``after`` fetched in a thread of their own, one after another by
    the peer's ``next`` cursor, at most :data:`READ_AHEAD` waiting: :meth:`next` takes them in
    order, raising what a fetch raised."""

    def __init__(self, fetch: Callable[[int, Snapshot | None], Fetched], after: int,
                 snapshot: Snapshot | None) -> None:
        self._fetch, self._snapshot = fetch, snapshot
        self._keys = keys_of(snapshot) if snapshot is not None else None
        self._expected = after  # where the next page taken starts
        self._pages: queue.Queue[tuple[Fetched | None, BaseException | None]] = queue.Queue(
            READ_AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(after,), name="prefetch",
                                        daemon=True)
        self._thread.start()

    def continues(self, after: int, snapshot: Snapshot | None) -> bool:
        """Whether the next page taken starts at ``after`` and is checked with ``snapshot``'s
        keys."""
        keys = keys_of(snapshot) if snapshot is not None else None
        return after == self._expected and keys == self._keys

    def next(self) -> Fetched:
        fetched, failure = self._pages.get()
        if failure is not None:
            raise failure
        assert fetched is not None
        following = fetched[0].get("next")
        self._expected = following if isinstance(following, int) else -1
        return fetched

    def close(self) -> None:
        """Stop fetching (a page being fetched is let finish) and forget what is waiting."""
        self._stop.set()
        while True:  # a fetch waiting for room sees the stop within its timeout
            try:
                self._pages.get_nowait()
            except queue.Empty:
                break
        self._thread.join()

    def _run(self, after: int) -> None:
        while not self._stop.is_set():
            try:
                item: tuple[Fetched | None, BaseException | None] = (
                    self._fetch(after, self._snapshot), None)
            except Exception as exc:  # handed to the storing thread, which decides
                item = (None, exc)
            while not self._stop.is_set():
                try:
                    self._pages.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item[0] is None:
                return
            following = item[0][0].get("next")
            if not isinstance(following, int) or following <= after:
                return
            after = following


def _claimed_seq(page: dict[str, Any]) -> int:
    """The seq of the page's checkpoint, unchecked (0 if it has none that looks right)."""
    try:
        seq = page["checkpoint"]["checkpoint"]["seq"]
    except (KeyError, TypeError):
        return 0
    return seq if isinstance(seq, int) else 0


def _held_hint(page: dict[str, Any]) -> int:
    """The last seq the peer says it holds (unsigned: for progress and lag only)."""
    held = page.get("held")
    return held if type(held) is int and held >= 0 else 0


def resume_point(node: Puller, peer: str, origin: str) -> tuple[int, str | None]:
    """The seq held of ``origin``'s log, and why ``peer`` may not supply the next (or None)."""
    with node.reading() as session:
        head = session.get(LogHead, origin)
        held = head.seq if head else 0
        state = session.get(SyncState, (peer, origin))
        if state is not None and state.blocked_seq is not None and held < state.blocked_seq:
            return held, f"blocked at seq {state.blocked_seq}"
        return held, None


def apply_page(node: Puller, peer: str, origin: str, held: int, page: dict[str, Any],
               verdicts: Verdicts | None = None) -> IngestResult:
    """Verify and store one page of ``origin``'s log after ``held`` from ``peer``, in one go.

    The page is what a feed answers for ``after=held`` (a pull, or a bundle line cut to it).
    On a VerificationError nothing of the page is stored: the evidence is quarantined, the
    peer blocked at the bad seq (not for a fork: that is the origin's doing), and the error
    raised again. ``verdicts`` are the prechecker's on the page's entries.
    """
    try:
        with node.transaction() as session:
            return _apply_page(session, node.agency, peer, origin, held, page, verdicts)
    except VerificationError as exc:
        _reject(node, peer, origin, held, page, exc)
        raise


def _apply_page(session: Session, own: str, peer: str, origin: str, held: int,
                page: dict[str, Any], verdicts: Verdicts | None) -> IngestResult:
    registry = TrustRegistry.load(session)
    if page.get("checkpoint") is None:
        if page.get("entries"):
            raise VerificationError("no_checkpoint", "entries without a checkpoint cannot "
                                    "be linked to what the origin signed")
        return ingest(session, registry, [], own)
    # The entries go first, in this transaction: a key the origin rotated to on this page
    # signs its checkpoint. Nothing is kept unless the checkpoint then verifies, against
    # the keys as the entries left them, and the chain stored reaches its head.
    result = ingest(session, registry, page["entries"], own,
                    up_to={origin: _claimed_seq(page)}, verdicts=verdicts)
    checkpoint = verified_checkpoint(TrustRegistry.load(session), page["checkpoint"], origin)
    reached = result.heads[origin][0] if origin in result.heads else held
    check_consistent(session, checkpoint, held, reached)
    keep(session, checkpoint)
    state = session.get(SyncState, (peer, origin)) or SyncState(peer=peer, origin=origin)
    state.last_attempt = state.last_success = utcnow()
    state.last_error, state.failures, state.blocked_seq = None, 0, None
    state.peer_seq = max(checkpoint.seq, _held_hint(page))
    session.add(state)
    return result


def owed_seqs(node: Puller, origin: str, limit: int = OWED_PER_ROUND) -> list[int]:
    """Seqs of ``origin``'s log held here as placeholders of records released to this node."""
    with node.reading() as session:
        return list(session.scalars(select(Placeholder.seq).where(
            Placeholder.origin == origin, Placeholder.owed.is_(True))
            .order_by(Placeholder.seq).limit(limit)))


def fetch_owed(node: Puller, peer: Peer, origin: str, outcome: Outcome) -> None:
    """Ask ``peer`` for the records of ``origin`` owed to this node (held as placeholders
    whose attested marking releases them here) and upgrade those it gives in full.

    A relay may hold only the placeholder, or withhold on purpose: every peer is asked in
    turn, the origin too, until the record arrives. An answer that contradicts the chain
    held is quarantined, and nothing of that answer is kept.
    """
    held, blocked = resume_point(node, peer.agency, origin)
    if blocked is not None:
        return
    owed = owed_seqs(node, origin)
    for start in range(0, len(owed), OWED_PER_REQUEST):
        asked = owed[start:start + OWED_PER_REQUEST]
        try:
            page = peer.entries(origin, asked)
        except Error as exc:
            log.warning("asking %s for %d owed %s records failed: %s", peer.agency,
                        len(asked), origin, exc.message)
            return
        if not upgrade(node, peer.agency, origin, held, page["entries"], set(asked), outcome):
            return


def upgrade(node: Puller, peer: str, origin: str, held: int, entries: list[Any], owed: set[int],
            outcome: Outcome) -> bool:
    """Store the full records among ``entries`` for the ``owed`` seqs (all at or below
    ``held``) in place of their placeholders; False if the peer's answer was bad."""
    full = [entry for entry in entries if isinstance(entry, dict)
            and isinstance(entry.get("record"), dict) and entry["record"].get("seq") in owed]
    if not full:
        return True
    try:
        with node.transaction() as session:
            result = ingest(session, TrustRegistry.load(session), full, node.agency,
                            up_to={origin: held})
    except BadEntry as exc:
        log.warning("%s answered with a bad %s entry: %s", peer, origin, exc.message)
        _quarantine(node, peer, origin, exc.seq, exc, full[exc.index])
        return False
    outcome.upgraded += result.upgraded
    return True


def _quarantine(node: Puller, peer: str, origin: str, seq: Any, exc: VerificationError,
                entry: Any) -> None:
    with node.transaction() as session:
        session.add(Quarantined(peer=peer, origin=origin,
                                seq=seq if isinstance(seq, int) else None, reason=exc.reason,
                                detail=exc.message,
                                raw=json.dumps(entry, sort_keys=True)))


def _failed(node: Puller, peer: str, origin: str, message: str) -> None:
    with node.transaction() as session:
        state = session.get(SyncState, (peer, origin)) or SyncState(peer=peer, origin=origin)
        state.last_attempt, state.last_error = utcnow(), message
        state.failures = (state.failures or 0) + 1
        session.add(state)


def _reject(node: Puller, peer: str, origin: str, held: int, page: dict[str, Any],
            exc: VerificationError) -> None:
    """Keep the evidence, block the peer at the bad seq, record the error."""
    if isinstance(exc, Equivocated):  # the origin forked its log: the relay is not to blame
        log.error("ALERT equivocation: %s (from %s)", exc.message, peer)
        with node.transaction() as session:
            if session.scalar(select(Equivocation.position).where(
                    Equivocation.origin == origin, Equivocation.conflicting == exc.offered)
                    ) is None:
                session.add(Equivocation(origin=origin, seq=exc.seq, held=exc.held,
                                         conflicting=exc.offered, peer=peer,
                                         linking=exc.linking))
            state = session.get(SyncState, (peer, origin)) or SyncState(peer=peer,
                                                                         origin=origin)
            state.last_attempt, state.last_error = utcnow(), exc.message
            session.add(state)
        return
    if isinstance(exc, BadEntry):  # entries start at held + 1: the peer failed at this seq
        blocked = held + 1 + exc.index
        seq = exc.seq if isinstance(exc.seq, int) else blocked
        raw = json.dumps(page["entries"][exc.index], sort_keys=True)
    else:
        seq = blocked = held + 1
        raw = json.dumps(page.get("checkpoint"), sort_keys=True)
    log.warning("quarantined %s seq %s from %s: %s", origin, seq, peer, exc.message)
    with node.transaction() as session:
        session.add(Quarantined(peer=peer, origin=origin, seq=seq, reason=exc.reason,
                                detail=exc.message, raw=raw))
        state = session.get(SyncState, (peer, origin)) or SyncState(peer=peer, origin=origin)
        state.last_attempt, state.last_error = utcnow(), exc.message  # "reason: detail"
        state.failures = (state.failures or 0) + 1
        state.blocked_seq = blocked
        session.add(state)


def unblock(session: Session, peer: str, origin: str | None = None) -> list[tuple[str, int]]:
    """Ask ``peer`` again for the logs (or ``origin``'s) it was blocked on after a bad entry.

    For a peer that is the only source of a seq (an air-gapped partner's bundles, a relay
    whose fault was fixed). Its quarantined entries stay as evidence. Returns the (origin,
    blocked seq) pairs lifted.
    """
    query = select(SyncState).where(SyncState.peer == peer, SyncState.blocked_seq.is_not(None))
    if origin is not None:
        query = query.where(SyncState.origin == origin)
    lifted = []
    for state in session.scalars(query):
        lifted.append((state.origin, state.blocked_seq))
        log.warning("unblocked %s for %s's log at seq %s", peer, state.origin, state.blocked_seq)
        state.blocked_seq = None
    return lifted
