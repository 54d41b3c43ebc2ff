"""Attacks on signed node-to-node requests (RFC 9421): replay to another node or to the same
one, a changed Host, a missing or uncovered target, and partners whose clocks are off."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms

from enforce_share import clock
from enforce_share.app import create_app
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.signing.node_keys import NodeSigner, current_signer
from enforce_share.sync import httpsig
from enforce_share.sync.puller import pull_origin

from ..conftest import make_node
from ..factories import DraftFactory

PATH = "/api/v1/feed?origin=USA&after=0&limit=100"
#: Released by USA to GBR only: what CAN would get by replaying GBR's request.
FOR_GBR = {"tlp": "amber", "releasable_to": ["USA", "GBR"]}
Partner = Callable[..., NodeSigner]


@contextmanager
def clock_off_by(seconds: float) -> Iterator[None]:
    """Run the node code inside with a clock ``seconds`` off real time (ahead if positive)."""

    class Shifted(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + timedelta(seconds=seconds)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "datetime", Shifted)
        yield


def off_by(seconds: float) -> datetime:
    """Now, off by ``seconds``, in the whole seconds ``created`` holds, rounded away from now
    (so a request just outside the window stays outside it however fast the test runs)."""
    moment = time.time() + seconds
    return datetime.fromtimestamp(math.ceil(moment) if seconds > 0 else math.floor(moment), UTC)


def signed(path: str, signer: NodeSigner, target: str, host: str = "usa.example",
           created: datetime | None = None) -> dict[str, str]:
    """The headers of a request to ``http://host/path``, signed as a node signs for ``target``."""
    prepared = requests.Request("GET", f"http://{host}{path}").prepare()
    httpsig.sign_request(prepared, signer.kid, signer.key.private_key, target, created=created)
    return {name: value for name, value in prepared.headers.items() if name != "Host"}


class _Key(HTTPSignatureKeyResolver):
    def __init__(self, signer: NodeSigner) -> None:
        self.signer = signer

    def resolve_private_key(self, key_id: str) -> Any:
        return self.signer.key.private_key


def hand_signed(path: str, signer: NodeSigner, covered: tuple[str, ...],
                target: str | None = "USA") -> dict[str, str]:
    """Headers signed covering only ``covered``, with the target header unless None."""
    prepared = requests.Request("GET", f"http://usa.example{path}").prepare()
    if target is not None:
        prepared.headers[httpsig.TARGET_HEADER] = target
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Key(signer)).sign(
        prepared, key_id=signer.kid, created=datetime.now(UTC), nonce=f"hand-{time.time_ns()}",
        label=httpsig.LABEL, tag=httpsig.TAG, covered_component_ids=covered)
    return {name: value for name, value in prepared.headers.items() if name != "Host"}


def ask(client: FlaskClient, headers: dict[str, str], host: str = "usa.example") -> Any:
    """GET the feed page with ``headers``, with ``host`` as the Host header."""
    return client.get(PATH, base_url=f"http://{host}", headers=headers)


@contextmanager
def served(node: Node) -> Iterator[FlaskClient]:
    """A test client of ``node``'s real app."""
    app = create_app(node.config)
    app.config["TESTING"] = True
    try:
        yield app.test_client()
    finally:
        app.extensions["enforce_share"].close()


@pytest.fixture
def usa(tmp_path: Path, database_url: str) -> Iterator[Node]:
    """The node asked: USA, on the parametrised database, with a record only GBR may see."""
    built = make_node(tmp_path / "usa", "USA", database_url)
    built.add_records([DraftFactory()("actor", FOR_GBR)])
    yield built
    built.close()


@pytest.fixture
def usa_client(usa: Node) -> Iterator[FlaskClient]:
    """A client of USA's app."""
    with served(usa) as client:
        yield client


@pytest.fixture
def jwks_of() -> dict[str, dict[str, Any]]:
    """The JWK Sets of the partner nodes built so far, by agency."""
    return {}


@pytest.fixture
def partner(tmp_path: Path, usa: Node, jwks_of) -> Partner:
    """Builds a partner node of USA, its clock off by ``seconds``; returns its signer."""

    def build(agency: str, seconds: float = 0) -> NodeSigner:
        with clock_off_by(seconds):  # its key's window starts by its own clock
            node = make_node(tmp_path / agency, agency)
            with node.reading() as session:
                signer = current_signer(session, agency, node.config.keys_dir)
            jwks_of[agency] = node.jwks()
        node.close()
        with usa.transaction() as session:
            add_partner(session, "USA", agency, jwks_of[agency], None)
        return signer

    return build


@pytest.fixture
def gbr(partner: Partner) -> NodeSigner:
    """GBR's signer, GBR a partner of USA."""
    return partner("GBR")


@pytest.fixture
def can_client(tmp_path: Path, usa: Node, gbr, jwks_of) -> Iterator[FlaskClient]:
    """A client of CAN's node, GBR and USA its partners (and it USA's): the replaying node."""
    can = make_node(tmp_path / "can", "CAN")
    with can.transaction() as session:
        add_partner(session, "CAN", "GBR", jwks_of["GBR"], None)
        add_partner(session, "CAN", "USA", usa.jwks(), None)
    with usa.transaction() as session:
        add_partner(session, "USA", "CAN", can.jwks(), None)
    try:
        with served(can) as client:
            yield client
    finally:
        can.close()


def test_request_signed_for_this_node_is_served(usa_client, gbr) -> None:
    answer = ask(usa_client, signed(PATH, gbr, "USA"))
    assert answer.status_code == 200, answer.json
    assert [entry["record"]["marking"] for entry in answer.json["entries"][1:]] == [FOR_GBR]


@pytest.mark.parametrize("host", ["can.example", "usa.example"])
def test_request_to_one_node_replayed_to_another_is_401(usa_client, can_client, gbr,
                                                        host) -> None:
    """CAN receives GBR's request to itself and sends the same headers to USA, with the Host
    GBR signed (so only the target stops it) or with USA's (the authority stops it too)."""
    to_can = signed(PATH, gbr, "CAN", host="can.example")
    assert ask(can_client, to_can, host="can.example").status_code == 200
    replay = ask(usa_client, to_can, host=host)
    assert replay.status_code == 401
    assert "entries" not in replay.json
    if host == "can.example":
        assert "signed for CAN, not for this node (USA)" in replay.json["error"]["message"]


def test_same_request_replayed_to_the_same_node_is_401(usa_client, gbr) -> None:
    headers = signed(PATH, gbr, "USA")
    assert ask(usa_client, headers).status_code == 200
    replay = ask(usa_client, headers)
    assert replay.status_code == 401
    assert "replay" in replay.json["error"]["message"]


def test_request_with_a_changed_host_is_401(usa_client, gbr) -> None:
    headers = signed(PATH, gbr, "USA", host="usa.example")
    answer = ask(usa_client, headers, host="usa.example.evil")
    assert answer.status_code == 401
    assert "bad request signature" in answer.json["error"]["message"]


def test_request_without_a_target_is_401(usa_client, gbr) -> None:
    untargeted = tuple(c for c in httpsig.COVERED if c != "enforce-share-target")
    answer = ask(usa_client, hand_signed(PATH, gbr, untargeted, target=None))
    assert answer.status_code == 401
    assert "names no target node" in answer.json["error"]["message"]


@pytest.mark.parametrize("left_out", httpsig.COVERED)
def test_request_not_covering_a_required_component_is_401(usa_client, gbr, left_out) -> None:
    covered = tuple(c for c in httpsig.COVERED if c != left_out)
    answer = ask(usa_client, hand_signed(PATH, gbr, covered))
    assert answer.status_code == 401
    assert f'"{left_out}" was not covered' in answer.json["error"]["message"]


def test_a_target_header_added_after_signing_is_401(usa_client, gbr) -> None:
    """The header of a request signed as nodes signed before: present, but not covered."""
    answer = ask(usa_client, hand_signed(PATH, gbr, ("@method", "@path", "@query")))
    assert answer.status_code == 401


@pytest.mark.parametrize("seconds", [30, -30, 290, -290])
def test_partner_with_a_clock_off_within_the_window_is_served(usa_client, partner,
                                                              seconds) -> None:
    """Its key was made by its clock and its request is signed by it, both ``seconds`` off."""
    gbr = partner("GBR", seconds)
    answer = ask(usa_client, signed(PATH, gbr, "USA", created=off_by(seconds)))
    assert answer.status_code == 200, answer.json


@pytest.mark.parametrize("seconds", [301, -301])
def test_request_with_created_outside_the_window_is_401(usa_client, partner, seconds) -> None:
    gbr = partner("GBR", seconds)
    answer = ask(usa_client, signed(PATH, gbr, "USA", created=off_by(seconds)))
    assert answer.status_code == 401
    assert "the protocol allows ±300 s" in answer.json["error"]["message"]


class _Feed:
    """A node's feed as ``requester`` gets it, called in-process."""

    def __init__(self, node: Node, requester: str) -> None:
        self.node, self.requester, self.agency = node, requester, node.agency

    def feed(self, origin: str, after: int, limit: int) -> dict[str, Any]:
        return json.loads(self.node.feed(self.requester, origin, after, limit)[0])


def test_records_of_a_partner_30s_ahead_are_stored(tmp_path, usa) -> None:
    """Its key announcement, record and checkpoint are all dated 30 s ahead of USA's clock."""
    with clock_off_by(30):
        gbr = make_node(tmp_path / "gbr-ahead", "GBR")
        (record,) = gbr.add_records([DraftFactory()("actor", FOR_GBR)])
    try:
        assert record.created > clock.timestamp(datetime.now(UTC) + timedelta(seconds=25))
        with usa.transaction() as session:
            add_partner(session, "USA", "GBR", gbr.jwks(), None)
        outcome = pull_origin(usa, _Feed(gbr, "USA"), "GBR")
    finally:
        gbr.close()
    assert (outcome.error, outcome.stored, outcome.placeholders) == (None, 2, 0)
