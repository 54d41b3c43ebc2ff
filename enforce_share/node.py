"""A node's use cases, shared by the HTTP API and the CLI: one transaction each."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from . import members
from .access import sessions as web_sessions
from .access import users
from .access.users import Principal, authenticate_token
from .adapters.peer_http import HttpPeer
from .audit import trail
from .audit.anchors import anchor
from .audit.trail import Event
from .clock import timestamp
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
from .signing import authority, membership_file
from .signing.keys import private_kids
from .signing.models import MembershipVersion, TrustedKey
from .signing.node_keys import current_signer
from .signing.root_keys import RootKeys, create_root, default_root_dir
from .signing.trust import TrustRegistry, export_jwks, held_membership
from .sync.feed import entries_json, feed_page_json
from .sync.httpsig import Caller, Message, authenticate
from .sync.puller import Outcome, sync_round, unblock
from .sync.status import sync_status
from .transparency import proof_file
from .transparency import tree as merkle_tree

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
        """The session factory (made on first use, when the node's membership document is
        installed in this process too)."""
        if self._sessions is None:
            self._sessions = make_sessionmaker(self.engine)
            with contextlib.suppress(sa_exc.OperationalError, sa_exc.ProgrammingError):
                self.refresh_membership()  # no table yet: `init` and `db upgrade` make them
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
    def initialise(cls, config: Config, root: RootKeys | None = None,
                   memberships: Sequence[dict[str, Any]] = ()) -> tuple[Node, str]:
        """Create data dir, schema, config file, the first online key and root version 1
        (signed by ``root``: default, a new root key made for the node in
        :func:`default_root_dir`, to be moved offline); return the online key's kid.
        ``memberships``: signed membership documents, in version order, that make the node's
        agency a member (a member admitted after the founding takes them at set-up)."""
        if not memberships and not members.is_member(config.agency):
            codes = ", ".join(members.codes())
            raise InvalidInput(f"{config.agency!r} is not a member agency: use one of {codes}",
                               {"agency": [f"One of {codes}."]})
        if (config.data_dir / CONFIG_FILE).exists() or private_kids(config.keys_dir):
            raise KeyManagementError(f"{config.data_dir} already holds a node: use another "
                                     "--data-dir")
        root = root or create_root(default_root_dir(config.data_dir), 1, 1)
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if config.database_url is None:  # the embedded database holds RED records: owner only
            os.close(os.open(config.data_dir / "node.db", os.O_CREAT | os.O_WRONLY, 0o600))
        node = cls(config)
        upgrade(node.engine)
        with node.transaction() as session:
            if session.scalar(select(LogHead.origin).limit(1)) is not None:
                raise KeyManagementError("the database already holds a node's logs: use an "
                                         "empty database")
            for document in memberships:
                membership_file.install(session, document)
            if config.agency not in held_membership(session).codes:
                raise InvalidInput(f"{config.agency} is not a member of the membership given",
                                   {"membership": ["Does not list this agency."]})
            ensure_log(session, config.agency)
            document = authority.sign(authority.draft_first_root(
                session, config.agency, config.keys_dir, root), root)
            record = authority.publish(session, config.agency, config.keys_dir, document)
        write_config(config)
        return node, record.kid

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

    def inclusion_proof(self, origin: str, seq: int, size: int) -> dict[str, Any]:
        """The RFC 9162 inclusion proof of ``origin``'s entry ``seq`` in its tree of ``size``."""
        with self.reading() as session:
            return merkle_tree.inclusion(session, origin, seq, size)

    def consistency_proof(self, origin: str, first: int, second: int) -> dict[str, Any]:
        """The RFC 9162 consistency proof between ``origin``'s trees of ``first`` and
        ``second`` entries."""
        with self.reading() as session:
            return merkle_tree.consistency(session, origin, first, second)

    def export_proof(self, record_id: str) -> dict[str, Any]:
        """The proof file of a record held here (``transparency.proof_file``)."""
        with self.reading() as session:
            return proof_file.export(session, record_id)

    def verify_proof(self, document: Any) -> str:
        """Check a proof file against the keys and logs held here; the line saying what
        it proves, or VerificationError."""
        with self.reading() as session:
            return proof_file.verify(session, TrustRegistry.load(session), document)

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

    def rotate_key(self, root: RootKeys) -> tuple[str, str]:
        """A new online key in place of the current one, announced by the next root version
        signed with ``root`` (at hand: the offline way is draft, sign, publish)."""
        with self.transaction() as session:
            old = current_signer(session, self.agency, self.config.keys_dir)
            document = authority.sign(authority.draft_rotation(
                session, self.agency, self.config.keys_dir), root)
            return old.kid, authority.publish(session, self.agency, self.config.keys_dir,
                                              document).kid

    def draft_rotation(self, new_root: dict[str, Any] | None = None) -> dict[str, Any]:
        """The next root version, unsigned, with a new online key made here (its private key
        stays here), for the root key holders to sign offline."""
        with self.transaction() as session:
            return authority.draft_rotation(session, self.agency, self.config.keys_dir,
                                            new_root)

    def draft_disavowal(self, kid: str, runs: Sequence[Sequence[int]], reason: str
                        ) -> dict[str, Any]:
        """A disavowal of what ``kid`` signed at ``runs`` of this node's log, unsigned."""
        with self.reading() as session:
            return authority.draft_disavowal(session, self.agency, kid, runs, reason)

    def adopt_root(self, root: RootKeys) -> Record:
        """Root version 1 for a node whose log began under protocol 2: it adopts the online
        keys the node uses, signed by ``root`` and carried by the current key."""
        with self.transaction() as session:
            if authority.latest_root(session, self.agency) is not None:
                raise KeyManagementError(f"{self.agency} has a root already")
            document = authority.sign(authority.draft_first_root(
                session, self.agency, self.config.keys_dir, root), root)
            return authority.publish(session, self.agency, self.config.keys_dir, document)

    def publish_statement(self, document: dict[str, Any]) -> Record:
        """Append a signed root, disavowal or membership statement to this node's log."""
        with self.transaction() as session:
            return authority.publish(session, self.agency, self.config.keys_dir, document)

    def install_membership(self, document: dict[str, Any]) -> bool:
        """Take a membership document given out of band (the founding one, or a version a
        quorum signed); True if it was new. Verified as a record carrying it would be."""
        with self.transaction() as session:
            return membership_file.install(session, document)

    def refresh_membership(self) -> members.Membership:
        """Install in this process the newest membership version the database holds (one a
        scheduler or another worker stored): one indexed read while nothing changed."""
        with self.reading() as session:
            newest = session.scalar(select(func.max(MembershipVersion.version)))
            if newest is not None and newest > members.current().version:
                members.install(held_membership(session))
        return members.current()

    # --- status --------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """Agency, key ids and log head, for `GET /api/v1/node`."""
        with self.reading() as session:
            head = session.get(LogHead, self.agency)
            signer = current_signer(session, self.agency, self.config.keys_dir)
            kids = [row.kid for row in session.scalars(
                select(TrustedKey).where(TrustedKey.agency == self.agency)
                .order_by(TrustedKey.from_seq, TrustedKey.kid))]
            return {
                "agency": self.agency,
                "current_kid": signer.kid,
                "kids": kids,
                "log": {"seq": head.seq if head else 0,
                        "head": head.head if head else "0" * 64},
            }
