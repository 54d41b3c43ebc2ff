"""One actor graph per node: the index process a node's workers ask (graph/server.py).

Its answers are the graph's own for each viewer, only the node's processes can ask, a bad
question harms nothing, it leaves with the process that started it, and a worker that loses
it still answers."""

from __future__ import annotations

import json
import multiprocessing.connection
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

from enforce_share.errors import NotFound
from enforce_share.graph import questions
from enforce_share.graph.questions import GraphQuestions, remembering
from enforce_share.graph.server import IndexClient, IndexProcess, start
from enforce_share.node import Node
from enforce_share.partners import add_partner

from ..conftest import relay, token_for
from ..processes import gunicorn_node
from .test_shared_index import SHARED, USA_ONLY, add, company, violation


@pytest.fixture
def held(node: Node, partner: Node) -> dict[str, str]:
    """GBR holding a small network, and USA-only records in full that GBR may not see."""
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", partner.jwks(), None)
    ids = {"exporter": add(node, "actor", company("Pinnacle Export Partners", "US")),
           "broker": add(node, "actor", company("Yerevan Components LLC", "AM")),
           "hidden": add(partner, "actor", company("Concealed Latecomer GmbH", "DE"),
                         USA_ONLY)}
    add(node, "violation", violation("MCUs via Yerevan", [(ids["exporter"], "exporter"),
                                                          (ids["broker"], "consignee")]))
    add(partner, "violation", violation("Secret route", [(ids["hidden"], "exporter"),
                                                         (ids["broker"], "consignee")]),
        USA_ONLY)
    add(partner, "actor", company("Pinnacle Export Partners Ltd", "US"), SHARED)
    relay(node, partner)  # GBR holds USA-only records in full: they must stay unseen
    return ids


def every_question(graph: GraphQuestions, viewer: str, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "entities": graph.entities(viewer, 1, 100, None),
        "matches": graph.matches(viewer, ids["exporter"], 20),
        "clusters": graph.clusters(viewer, 1, 50),
        "hubs": graph.hubs(viewer, 20),
        "paths": graph.paths(viewer, ids["exporter"], "end_user", "AM", None, 6, 10),
        "neighbourhood": questions.analyses.as_json(
            *reversed(graph.neighbourhood(viewer, ids["exporter"], 2))),
        "network": questions.analyses.as_json(
            graph.network(viewer, [ids["exporter"], ids["broker"], ids["hidden"]])),
    }


@pytest.fixture
def index(node: Node) -> Any:
    running = start(node.config)
    running.wait(60)
    yield running
    running.stop()


def ask_raw(running: IndexProcess, request: bytes) -> dict[str, Any]:
    with multiprocessing.connection.Client(running.address, family="AF_UNIX",
                                           authkey=running.authkey) as connection:
        connection.send_bytes(request)
        return orjson.loads(connection.recv_bytes())


def test_the_index_process_answers_as_the_graph_itself_for_each_viewer(
        node: Node, held: dict[str, str], index: IndexProcess) -> None:
    remote = GraphQuestions(IndexClient(index.address, index.authkey, fallback=_never))
    here = node.graph
    for viewer in ("GBR", "USA"):
        assert every_question(remote, viewer, held) == every_question(here, viewer, held)
    gbr = every_question(remote, "GBR", held)
    members = {m for entity in gbr["entities"] for m in entity["members"]}
    assert held["exporter"] in members and held["hidden"] not in members
    assert held["hidden"] not in json.dumps(gbr)  # no answer to GBR names a USA-only record
    usa = {m for entity in every_question(remote, "USA", held)["entities"]
           for m in entity["members"]}
    assert held["hidden"] in usa
    with pytest.raises(NotFound):  # the node's own error, as the API reports it (404)
        remote.neighbourhood("GBR", held["hidden"], 2)


def _never(*args: Any) -> Any:
    raise AssertionError("asked the fallback while the index process runs")


def test_only_a_holder_of_the_key_may_ask(held: dict[str, str], index: IndexProcess) -> None:
    directory = Path(index.address).parent
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(index.address).stat().st_mode) == 0o600
    with pytest.raises(multiprocessing.AuthenticationError):
        multiprocessing.connection.Client(index.address, family="AF_UNIX",
                                          authkey=b"a guess at the key")
    arguments = (Path(f"/proc/{index.process.pid}/cmdline").read_bytes()
                 + Path(f"/proc/{index.process.pid}/environ").read_bytes())
    assert index.authkey.hex().encode() not in arguments and index.authkey not in arguments
    reply = ask_raw(index, orjson.dumps(["entities", "GBR", [1, 10, None]]))
    assert {m for entity in reply["answer"] for m in entity["members"]} >= {held["exporter"]}


@pytest.mark.parametrize("request_bytes", [
    b"not json", b"{}", orjson.dumps(["__class__", "GBR", []]),
    orjson.dumps(["entities", "GBR", "not a list"]), orjson.dumps(["entities", 5, []]),
    orjson.dumps(["entities", "GBR", [1]]),  # too few arguments
])
def test_a_bad_question_gets_an_error_and_harms_nothing(
        held: dict[str, str], index: IndexProcess, request_bytes: bytes) -> None:
    reply = ask_raw(index, request_bytes)
    assert reply["error"] in ("invalid", "graph_unavailable") and "answer" not in reply
    assert index.process.poll() is None
    after = ask_raw(index, orjson.dumps(["entities", "GBR", [1, 10, None]]))
    assert {m for entity in after["answer"] for m in entity["members"]} >= {held["exporter"]}


def test_the_index_process_leaves_with_the_process_that_started_it(node: Node) -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from enforce_share.config import load_config\n"
         "from enforce_share.graph.server import start\n"
         f"running = start(load_config({str(node.config.data_dir)!r}))\n"
         "running.wait(60)\n"
         "print(running.process.pid, running.address, flush=True)\n"
         "time.sleep(600)\n"],
        stdout=subprocess.PIPE, env={**os.environ, **(
            {"DATABASE_URL": node.config.database_url} if node.config.database_url else {})})
    assert starter.stdout is not None
    pid, address = starter.stdout.readline().split()
    starter.stdout.close()
    assert _alive(int(pid)) and Path(address.decode()).exists()
    starter.send_signal(signal.SIGKILL)  # no chance to stop it
    starter.wait()
    deadline = time.monotonic() + 10
    while _alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(int(pid))
    assert not Path(address.decode()).parent.exists()  # its socket's directory went too


def _index_processes_of(parent: int) -> list[int]:
    """Pids of the graph index processes ``parent`` started (from any of its threads)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat_file.read_text().split(") ")[-1].split()[1])
            command = (stat_file.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if ppid == parent and b"enforce_share.graph.server" in command:
            found.append(int(stat_file.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
    except OSError:
        return False
    return state != "Z"


def test_a_gunicorn_node_holds_one_graph_and_its_workers_answer_without_it(
        node: Node, held: dict[str, str], tmp_path: Path) -> None:
    token = token_for(node, "analyst", "analyst")
    errors, master = tmp_path / "errors.log", []
    local = every_question(node.graph, "GBR", held)
    with gunicorn_node(node.config.data_dir, node.config.database_url, workers=2,
                       error_log=errors, master=master) as base:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        children = Path(f"/proc/{master[0]}/task/{master[0]}/children")
        deadline = time.monotonic() + 30
        while len(children.read_text().split()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # the second worker may still be starting
        assert len(children.read_text().split()) == 3  # two workers and the one index
        (index_pid,) = _index_processes_of(master[0])

        def entities() -> list[dict[str, Any]]:
            answered = http.get(f"{base}/api/v1/entities", timeout=60)
            assert answered.status_code == 200
            return answered.json()["items"]

        for _ in range(4):  # both workers, through the index process
            assert entities() == local["entities"]
        assert b"unreachable" not in errors.read_bytes()
        os.kill(index_pid, signal.SIGKILL)
        for _ in range(4):  # each worker now answers from a graph of its own, the same
            assert entities() == local["entities"]
        around = http.get(f"{base}/api/v1/graph/neighbourhood/{held['hidden']}", timeout=60)
        assert around.status_code == 404  # still only what GBR may see
    assert b"graph index process unreachable" in errors.read_bytes()


def test_a_node_whose_index_process_fails_to_start_answers_from_its_own_graph(
        node: Node, held: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    expected = every_question(node.graph, "GBR", held)
    starting = Node(node.config)
    starting.start_graph_index()
    for pid in _index_processes_of(os.getpid()):
        os.kill(pid, signal.SIGKILL)
    try:
        starting.warm()  # waits for the index process, finds it dead, falls back
        assert "graph index process failed" in caplog.text
        assert every_question(starting.graph, "GBR", held) == expected
    finally:
        starting.stop_graph_index()
        starting.close()


def test_remembered_answers_follow_every_change_to_the_graph(node: Node,
                                                             held: dict[str, str]) -> None:
    ask = remembering(node.graph_view)
    first = ask("entities", "GBR", 1, 100, None)
    assert ask("entities", "GBR", 1, 100, None) is first  # unchanged graph: kept
    assert ask("entities", "USA", 1, 100, None) != first  # another viewer, another view
    late = add(node, "actor", company("Belated Arrival Trading LLC", "AM"))
    again = ask("entities", "GBR", 1, 100, None)
    assert late in {m for entity in again for m in entity["members"]}
    assert again == every_question(node.graph, "GBR", held)["entities"]
    node.rebuild_graph()  # views built from scratch start their versions again
    assert ask("entities", "GBR", 1, 100, None) is not again
