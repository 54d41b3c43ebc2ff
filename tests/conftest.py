"""Shared fixtures: nodes built by the real code on SQLite and on PostgreSQL, app and client."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import rfc8785
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enforce_share.app import create_app
from enforce_share.config import Config, load_config
from enforce_share.node import Node
from enforce_share.records.entries import record_stub
from enforce_share.records.ingest import ingest
from enforce_share.records.models import LogHead, Placeholder, Record
from enforce_share.records.queries import signed
from enforce_share.signing import jws
from enforce_share.signing.root_keys import RootKeys, default_root_dir, load_root

from .factories import DraftFactory

#: The PostgreSQL server the storage tests use (trust auth); override to point elsewhere.
PG_URL = os.environ.get(
    "ENFORCE_SHARE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server URL, or a skip that says why no PostgreSQL test can run."""
    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {str(exc).splitlines()[0]}")
    finally:
        engine.dispose()
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'node.db'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


#: For a test whose PostgreSQL run adds little (its storage path is tested on PostgreSQL
#: elsewhere): SQLite in `make test`, PostgreSQL in `make test-slow`, both in CI.
postgresql_is_slow = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)],
    indirect=True)


@contextmanager
def fresh_schema(server: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty PostgreSQL schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def root_of(node: Node) -> RootKeys:
    """The root keys ``make_node`` made for ``node`` (beside its data dir)."""
    return load_root(default_root_dir(node.config.data_dir))


def make_node(data_dir: Path, agency: str, database_url: str | None = None) -> Node:
    """Initialise a node the way `enforce-share init` does."""
    config = load_config(data_dir, agency=agency, database_url=database_url)
    node, _ = Node.initialise(config)
    return node


@pytest.fixture
def node(tmp_path: Path, database_url: str) -> Iterator[Node]:
    """An initialised GBR node on the parametrised database."""
    built = make_node(tmp_path / "gbr", "GBR", database_url)
    yield built
    built.close()


@pytest.fixture
def config(node: Node) -> Config:
    """The node's configuration."""
    return node.config


@pytest.fixture
def app(node: Node) -> Iterator[Flask]:
    """The real app for the node."""
    app = create_app(node.config)
    app.config["TESTING"] = True
    yield app
    app.extensions["enforce_share"].close()


def token_for(node: Node, name: str, role: str) -> str:
    """A new user of ``role`` on ``node`` and an API token of theirs."""
    node.add_user(name, role)
    return node.issue_token(name).token


def client_as(app: Flask, token: str | None) -> FlaskClient:
    """A test client sending ``token`` as its bearer token (none: anonymous)."""
    client = app.test_client()
    if token is not None:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def client(app: Flask, node: Node) -> FlaskClient:
    """A test client of the app, signed in as a liaison officer (analyst and more)."""
    return client_as(app, token_for(node, "liaison", "liaison"))


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    """A test client sending no credentials."""
    return app.test_client()


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[Node]:
    """A USA node on its own SQLite file: a second agency whose records we verify."""
    built = make_node(tmp_path / "usa", "USA")
    yield built
    built.close()


@pytest.fixture
def drafts() -> DraftFactory:
    """Builds valid drafts of every record type."""
    return DraftFactory()


def relay(gbr: Node, usa: Node) -> None:
    """GBR stores USA's whole log, released to it or not (as a careless relay would)."""
    with gbr.reading() as session:
        head = session.get(LogHead, "USA")
        held = head.seq if head else 0
    with usa.reading() as session:
        log = [signed(row) for row in session.scalars(
            select(Record).where(Record.origin == "USA", Record.seq > held)
            .order_by(Record.seq))]
    with gbr.transaction() as session:
        ingest(session, gbr.registry(), log, "GBR")


def recomputed_chain(node: Node, origin: str) -> tuple[int, str]:
    """The last seq and head of ``origin``'s log as ``node`` holds it, recomputed here from
    the rows as docs/protocol.md section 7 says (stubs hashed by the rfc8785 package)."""
    with node.reading() as session:
        stubs = {row.seq: record_stub(json.loads(row.canonical), row.record_hash)
                 for row in session.scalars(select(Record).where(Record.origin == origin))}
        stubs |= {hole.seq: hole.stub() for hole in session.scalars(
            select(Placeholder).where(Placeholder.origin == origin))}
    assert sorted(stubs) == list(range(1, len(stubs) + 1)), "the log held has a gap"
    head = jws.ZERO_HEAD
    for seq in sorted(stubs):
        head = jws.next_head(head, hashlib.sha256(rfc8785.dumps(stubs[seq])).hexdigest())
    return len(stubs), head
