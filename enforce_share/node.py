"""A node's use cases, shared by the HTTP API and the CLI: one transaction each."""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from .access import sessions as web_sessions
from .access import users
from .access.users import Principal, authenticate_token
from .adapters.peer_http import HttpPeer
from .audit import trail
from .audit.anchors import anchor
from .audit.trail import Event
from .clock import parse_timestamp, timestamp
from .config import CONFIG_FILE, Config, write_config
from .db import make_engine, make_sessionmaker, transaction, upgrade
from .errors import InvalidInput, KeyManagementError
from .graph import questions
from .graph import server as graph_server
from .graph.analyses import shape_of
from .graph.questions import Asker, GraphQuestions
from .graph.server import IndexProcess, IndexUnavailable
from .graph.service import ActorGraph
from .graph.view import View
from .markings import AGENCIES, PUBLIC_MARKING
from .partners import list_partners
from .records.checkpoints import heartbeat, latest_checkpoint, signed_checkpoint
from .records.drafts import Draft
from .records.log import append, ensure_log
from .records.models import LogHead, Record
from .search import index as _search_index  # subscribes the search index to the store
from .search import saved
from .search.engine import Results, search
from .search.models import SavedSearch
from .search.postings import Postings
from .search.query import Query
from .signing.keys import private_kids
from .signing.models import TrustedKey
from .signing.node_keys import (
    current_signer,
    new_key_draft_body,
    own_key,
    register_own_key,
)
from .signing.trust import TrustRegistry, export_jwks
from .sync.feed import entries_json, feed_page_json
from .sync.httpsig import Caller, Message, authenticate
from .sync.puller import Outcome, sync_round, unblock
from .sync.status import sync_status

log = logging.getLogger(__name__)
SESSION_KEY = "session.key"


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: the secret (shown once), its id and expiry (for the audit trail)."""

    token: str
    id: str
    expires: str | None


@dataclass
class Node:
    """One partner agency's node: configuration and database, opened lazily."""

    config: Config
    _engine: Engine | None = field(default=None, repr=False)
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)
    _postings: Postings | None = field(default=None, repr=False)
    _graph: ActorGraph | None = field(default=None, repr=False)
    _index: IndexProcess | None = field(default=None, repr=False)
    _asker: Asker | None = field(default=None, repr=False)

    @property
    def agency(self) -> str:
        """This node's agency code."""
        return self.config.require_agency()

    @property
    def engine(self) -> Engine:
        """The database engine (created on first use, never at import or app creation)."""
        if self._engine is None:
            self._engine = make_engine(self.config.db_url)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory."""
        if self._sessions is None:
            self._sessions = make_sessionmaker(self.engine)
        return self._sessions

    def close(self) -> None:
        """Close every pooled connection."""
        if self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work."""
        with transaction(self.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session."""
        with self.sessions() as session:
            yield session

    # --- set-up --------------------------------------------------------------------------

    @classmethod
    def initialise(cls, config: Config) -> tuple[Node, str]:
        """Create data dir, schema, first signing key and config file; return the kid."""
        if config.agency not in AGENCIES:
            raise InvalidInput(f"Unknown agency {config.agency!r}: use one of "
                               f"{', '.join(AGENCIES)}", {"agency": [f"One of {AGENCIES}."]})
        if (config.data_dir / CONFIG_FILE).exists() or private_kids(config.keys_dir):
            raise KeyManagementError(f"{config.data_dir} already holds a node: use another "
                                     "--data-dir")
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if config.database_url is None:  # the embedded database holds RED records: owner only
            os.close(os.open(config.data_dir / "node.db", os.O_CREAT | os.O_WRONLY, 0o600))
        node = cls(config)
        upgrade(node.engine)
        with node.transaction() as session:
            if session.scalar(select(LogHead.origin).limit(1)) is not None:
                raise KeyManagementError("the database already holds a node's logs: use an "
                                         "empty database")
            ensure_log(session, config.agency)
            kid, body = new_key_draft_body(config.keys_dir)
            register_own_key(session, config.agency, body, source="init")
            signer = current_signer(session, config.agency, config.keys_dir)
            append(session, signer, config.agency, [Draft("key", PUBLIC_MARKING, body)],
                   reserved=True)
        write_config(config)
        return node, kid

    # --- records -------------------------------------------------------------------------

    def upgrade_database(self) -> int:
        """Apply migrations; return how many records wait for the search index (stored
        before search existed: :meth:`backfill_search` indexes them)."""
        upgrade(self.engine)
        with self.reading() as session:
            return _search_index.pending(session)

    def backfill_search(self, progress: Callable[[int], None] | None = None) -> int:
        """Index the records that have no search document yet; return how many."""
        with self.transaction() as session:
            return _search_index.backfill(session, progress)

    def add_records(self, drafts: Sequence[Draft]) -> list[Record]:
        """Validate, number, sign and store drafts in one transaction."""
        with self.transaction() as session:
            signer = current_signer(session, self.agency, self.config.keys_dir)
            return append(session, signer, self.agency, drafts)

    def checkpoint(self, origin: str, seq: int | None = None) -> dict[str, Any]:
        """The latest signed checkpoint held for ``origin``, or the one held at ``seq``."""
        with self.reading() as session:
            return signed_checkpoint(latest_checkpoint(session, origin, seq))

    def heartbeat(self) -> dict[str, Any]:
        """Anchor the audit trail in this node's log if it moved on (see audit.anchors),
        then sign the checkpoint at the log's head anew, now: word that it is alive."""
        with self.transaction() as session:
            signer = current_signer(session, self.agency, self.config.keys_dir)
            anchor(session, signer, self.agency)
            return signed_checkpoint(heartbeat(session, signer, self.agency))

    def anchor_audit(self) -> Record | None:
        """Write the audit trail's head into this node's log now (None: already there)."""
        with self.transaction() as session:
            signer = current_signer(session, self.agency, self.config.keys_dir)
            return anchor(session, signer, self.agency)

    # --- search ----------------------------------------------------------------------------

    @property
    def postings(self) -> Postings:
        """This process's search bitmaps (filled from the database on first search)."""
        if self._postings is None:
            self._postings = Postings()
        return self._postings

    def warm_search(self) -> None:
        """Fill this process's search bitmaps now (a web worker does as it starts)."""
        try:
            start = time.monotonic()
            with self.reading() as session:
                read = self.postings.refresh(session)
            log.info("search index: %d documents read in %.1f s", read, time.monotonic() - start)
        except Exception:  # the first search will try again, and report
            log.exception("search warm-up failed")

    def warm(self) -> None:
        """Read the search bitmaps and this agency's actor graph now, or catch them up; the
        graph is read by the node's index process if one was started (this waits for it).

        gunicorn's master does it before it forks its workers, so that they share one copy
        of the bitmaps (copy-on-write) and each reads only what was stamped since; a worker
        does it again as it starts, in the background (config/gunicorn.conf.py).
        """
        self.warm_search()
        if self._index is None:
            self.warm_graph()
            return
        try:  # it reads the graph meanwhile: the workers fork once it answers
            self._index.wait()
        except IndexUnavailable:
            log.exception("graph index process failed: each process holds a graph of its own")
            self._index = self._asker = None

    def warm_graph(self) -> None:
        """Read this agency's actor graph now, or catch it up."""
        try:
            start = time.monotonic()
            view = self.graph_view()
            shape_of(view.graph)  # clusters and hubs reuse it while the graph is unchanged
            log.info("actor graph: %d entities in %.1f s", len(view.graph),
                     time.monotonic() - start)
        except Exception:  # the first graph request will try again, and report
            log.exception("actor graph warm-up failed")

    def after_fork(self) -> None:
        """In a forked process: open connections of its own, leaving the parent's pooled ones
        to the parent (one connection used by two processes breaks both)."""
        if self._engine is not None:
            self._engine.dispose(close=False)

    def search(self, query: Query, viewer: str | None = None) -> Results:
        """Run ``query`` for a user of ``viewer``'s agency (default: this node's)."""
        with self.reading() as session:
            return search(session, self.postings, TrustRegistry.load(session), query,
                          viewer or self.agency)

    def save_search(self, user: str, name: str, query: Query) -> SavedSearch:
        """Save ``query`` for ``user`` as ``name``."""
        with self.transaction() as session:
            return saved.save(session, user, name, query)

    def saved_searches(self, user: str) -> list[SavedSearch]:
        """``user``'s saved searches."""
        with self.reading() as session:
            return saved.saved_searches(session, user)

    def delete_search(self, user: str, saved_id: int) -> None:
        """Delete one of ``user``'s saved searches."""
        with self.transaction() as session:
            saved.remove(session, user, saved_id)

    def run_saved(self, user: str, saved_id: int, viewer: str, *, only_new: bool,
                  cursor: str | None = None) -> tuple[SavedSearch, Results]:
        """Run one of ``user``'s saved searches (``only_new``: what is new since the last
        look) and count it as a look."""
        with self.transaction() as session:
            kept = saved.get(session, user, saved_id)
            query = replace(Query.parse(kept.query), cursor=cursor)
            results = search(session, self.postings, TrustRegistry.load(session), query,
                             viewer, since=kept.last_seen_stamp if only_new else None)
            if cursor is None:  # a first page is a look; the cursor keeps the pages together
                saved.mark_seen(session, user, saved_id, results.stamp)  # 404 if deleted
            return kept, results

    # --- actor graph -------------------------------------------------------------------------

    @property
    def actor_graph(self) -> ActorGraph:
        """This process's actor graph (read from the store on first use, then kept current)."""
        if self._graph is None:
            self._graph = ActorGraph()
        return self._graph

    @property
    def graph(self) -> GraphQuestions:
        """Questions to the actor graph: put to the node's index process when one runs
        (under gunicorn, see :meth:`start_graph_index`), else answered in this process."""
        if self._asker is None:
            self._asker = questions.local(self.graph_view)
        return GraphQuestions(self._asker)

    def start_graph_index(self) -> None:
        """Start the node's index process, the one holder of its actor graph, and put this
        process's graph questions to it, as every process forked from this one will
        (gunicorn's master, before it forks its workers; :meth:`warm` waits until it has
        read the graph)."""
        self._index = graph_server.start(self.config)
        self._asker = graph_server.IndexClient(self._index.address, self._index.authkey,
                                               questions.local(self.graph_view))

    def stop_graph_index(self) -> None:
        """Stop the index process this process started, if any."""
        if self._index is not None:
            self._index.stop()

    def graph_view(self, viewer: str | None = None) -> View:
        """The actor graph users of ``viewer``'s agency (default: this node's) see, current."""
        with self.reading() as session:
            return self.actor_graph.view(session, viewer or self.agency)

    def rebuild_graph(self, progress: Callable[[int], None] | None = None) -> int:
        """Resolve every actor and rebuild the graph from the store; returns records read."""
        with self.reading() as session:
            return self.actor_graph.rebuild(session, progress)

    def registry(self) -> TrustRegistry:
        """A snapshot of the trust registry."""
        with self.reading() as session:
            return TrustRegistry.load(session)

    # --- people and the audit trail ------------------------------------------------------

    # Use cases do not audit: the door a person came in by does, once per use (an API
    # request: api.auth; a command: cli.context.audited), naming what the use touched.

    def add_user(self, name: str, role: str, password: str | None = None) -> None:
        """Create a user (see access.users.add_user)."""
        with self.transaction() as session:
            users.add_user(session, name, role, password)

    def issue_token(self, name: str, valid_for: timedelta | None = None) -> IssuedToken:
        """A new API token for ``name`` (returned once, only its hash is kept)."""
        with self.transaction() as session:
            token, row = users.issue_token(session, name, valid_for)
            return IssuedToken(token, row.id, timestamp(row.expires) if row.expires else None)

    def revoke_token(self, token_id: str) -> str:
        """Revoke an API token by id; return its user's name."""
        with self.transaction() as session:
            return users.revoke_token(session, token_id).user

    def disable_user(self, name: str) -> int:
        """Disable a user and revoke their tokens; return how many."""
        with self.transaction() as session:
            return users.disable_user(session, name)

    def session_secret(self) -> bytes:
        """The key signing web session cookies: ``DATA_DIR/session.key`` (0600), made once."""
        path = self.config.data_dir / SESSION_KEY
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(handle, "wb") as out:
            out.write(secrets.token_bytes(32))
        return path.read_bytes()

    def authenticate_password(self, name: str, password: str) -> Principal:
        """The user logging in; Unauthenticated if the name or password is wrong."""
        with self.reading() as session:
            return users.authenticate_password(session, name, password, self.agency)

    def set_password(self, name: str, password: str) -> None:
        """Set a user's password; their web sessions end (see access.users)."""
        with self.transaction() as session:
            users.set_password(session, name, password)

    def start_session(self, name: str) -> str:
        """A new web session of user ``name`` (signed in); the secret for its cookie."""
        with self.transaction() as session:
            return web_sessions.start(session, name, *self._session_limits())

    def session_user(self, secret: str) -> Principal:
        """The principal of a live web session; Unauthenticated if it ended or expired, or
        its user is gone or disabled (see access.sessions)."""
        with self.transaction() as session:
            name = web_sessions.user_of(session, secret, *self._session_limits())
            return users.session_principal(session, name, self.agency)

    def end_session(self, secret: str) -> None:
        """End a web session (sign-out)."""
        with self.transaction() as session:
            web_sessions.end(session, secret)

    def _session_limits(self) -> tuple[timedelta, timedelta]:
        return (timedelta(seconds=self.config.session_idle),
                timedelta(seconds=self.config.session_lifetime))

    def authenticate_token(self, token: str) -> Principal:
        """The user a bearer token stands for; Unauthenticated if none (see access.users)."""
        with self.reading() as session:
            return authenticate_token(session, token, self.agency)

    def user_exists(self, name: str) -> bool:
        """Whether a user of this name exists here (see access.users)."""
        with self.reading() as session:
            return users.user_exists(session, name)

    def token_exists(self, token_id: str) -> bool:
        """Whether a token of this id was ever issued here (see access.users)."""
        with self.reading() as session:
            return users.token_exists(session, token_id)

    def audit(self, event: Event) -> None:
        """Append ``event`` to the audit trail (its own transaction)."""
        with self.transaction() as session:
            trail.append(session, event)

    # --- federation ----------------------------------------------------------------------

    def authenticate_partner(self, message: Message) -> Caller:
        """The partner node that signed ``message`` (nonce recorded); Unauthenticated if none."""
        with self.transaction() as session:
            partners = {partner.agency for partner in list_partners(session)}
            return authenticate(message, session, TrustRegistry.load(session), partners,
                                own=self.agency)

    def feed(self, requester: str, origin: str, after: int, limit: int) -> tuple[str, int]:
        """A page of ``origin``'s log for ``requester``'s node, as JSON text; entry count."""
        with self.reading() as session:
            return feed_page_json(session, requester, origin, after, limit)

    def feed_seqs(self, requester: str, origin: str, seqs: Sequence[int]) -> tuple[str, int]:
        """The entries at ``seqs`` of ``origin``'s log for ``requester``'s node, as JSON text."""
        with self.reading() as session:
            return entries_json(session, requester, origin, seqs)

    def peers(self, only: str | None = None) -> list[HttpPeer]:
        """The partners with a URL, as feeds asked with this node's current key."""
        with self.reading() as session:
            signer = current_signer(session, self.agency, self.config.keys_dir)
            partners = [p for p in list_partners(session) if p.url and only in (None, p.agency)]
        return [HttpPeer(p.agency, p.url, signer.kid, signer.key.private_key) for p in partners]

    def sync(self, only: str | None = None, report: Callable[[Outcome], None] | None = None,
             progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """One round: pull every other origin's log from every peer (or one); see
        :func:`sync_round` for ``report`` and ``progress``."""
        peers = self.peers(only)
        try:
            outcomes = sync_round(self, peers, report, progress)
        finally:
            for peer in peers:
                peer.close()
        with self.transaction() as session:  # one audit entry per peer pulled
            for peer in peers:
                mine = [o for o in outcomes if o.peer == peer.agency]
                trail.append(session, Event(
                    f"node:{self.agency}", "sync pull", "error" if any(
                        o.error for o in mine) else "ok", target={"peer": peer.agency,
                    "origins": {o.origin: {"stored": o.stored, "placeholders": o.placeholders,
                                           "upgraded": o.upgraded, "held": o.held,
                                           "error": o.error} for o in mine}}))
        return outcomes

    def unblock(self, peer: str, origin: str | None = None) -> list[tuple[str, int]]:
        """Ask ``peer`` again for the seqs it was blocked at (see sync.puller.unblock)."""
        with self.transaction() as session:
            return unblock(session, peer, origin)

    def sync_status(self) -> dict[str, Any]:
        """Per peer and origin: last success, lag, errors; quarantine and equivocations."""
        with self.reading() as session:
            return sync_status(session, self.agency, self.config.heartbeat,
                               self.config.freshness_grace)

    # --- keys ----------------------------------------------------------------------------

    def jwks(self, agency: str | None = None) -> dict[str, Any]:
        """The public JWK Set of an agency's keys (default: this node's)."""
        with self.reading() as session:
            return export_jwks(session, agency or self.agency)

    def rotate_key(self) -> tuple[str, str]:
        """Make a new signing key, announce it signed by the old one, retire the old one.

        The announcement (`key` record) is signed by the current key; the old key is then
        revoked by a `key_revocation` signed by the new key, so records it signed before
        stay valid and nothing it signs after verifies.
        """
        with self.transaction() as session:
            old = current_signer(session, self.agency, self.config.keys_dir)
            kid, body = new_key_draft_body(self.config.keys_dir)
            register_own_key(session, self.agency, body, source="keys rotate")
            append(session, old, self.agency, [Draft("key", PUBLIC_MARKING, body)],
                   reserved=True)
            new = current_signer(session, self.agency, self.config.keys_dir)
            self._revoke(session, new, old.kid, "rotated")
        return old.kid, kid

    def revoke_key(self, kid: str, reason: str, at: str | None = None) -> None:
        """Revoke one of this node's keys from ``at`` (default now) on.

        Not the current signing key (rotate first). A key already revoked (every rotation
        revokes the old key) can only have its revocation moved earlier, for a compromise
        found later: records it signed from ``at`` on stop verifying.
        """
        moment = at or timestamp()
        with self.transaction() as session:
            key = own_key(session, self.agency, kid)
            if parse_timestamp(moment) > parse_timestamp(timestamp()):
                raise InvalidInput("A revocation cannot be in the future", {"at": ["Future."]})
            if key.revoked_at and parse_timestamp(moment) >= parse_timestamp(key.revoked_at):
                raise KeyManagementError(f"{kid} is already revoked at {key.revoked_at}; "
                                         "give an earlier --at to move it")
            signer = current_signer(session, self.agency, self.config.keys_dir)
            if signer.kid == kid:
                raise KeyManagementError(f"{kid} is the current signing key: run "
                                         "`enforce-share keys rotate` first")
            self._revoke(session, signer, kid, reason, moment)

    def _revoke(self, session: Session, signer: Any, kid: str, reason: str,
                at: str | None = None) -> None:
        body = {"kid": kid, "revoked_at": at or timestamp(), "reason": reason}
        append(session, signer, self.agency, [Draft("key_revocation", PUBLIC_MARKING, body)],
               reserved=True)

    # --- status --------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """Agency, key ids and log head, for `GET /api/v1/node`."""
        with self.reading() as session:
            head = session.get(LogHead, self.agency)
            signer = current_signer(session, self.agency, self.config.keys_dir)
            kids = [row.kid for row in session.scalars(
                select(TrustedKey).where(TrustedKey.agency == self.agency)
                .order_by(TrustedKey.valid_from))]
            return {
                "agency": self.agency,
                "current_kid": signer.kid,
                "kids": kids,
                "log": {"seq": head.seq if head else 0,
                        "head": head.head if head else "0" * 64},
            }
