"""`federation up` on ports held by others: refused before anything starts, never reported up."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from enforce_share.demo import federation
from enforce_share.errors import ConfigError

from ..processes import ROOT, free_run_of_ports


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _listens(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def listener(port: int) -> Iterator[None]:
    """Another process's server on ``port``: a plain socket that listens and never answers."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        held.listen()
        yield


@contextmanager
def node_answering(port: int, body: bytes, status: int = 200) -> Iterator[None]:
    """A tiny HTTP server on ``port`` that answers every GET with ``status`` and ``body``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def laid_out(root: Path, base: int) -> list[federation.Member]:
    """A federation directory on ``base`` (only its layout and data dirs: nothing runs)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / federation.LAYOUT).write_text(json.dumps({"base_port": base}))
    for member in federation.members(root):
        member.data_dir.mkdir()
    return federation.members(root)


def as_agency(agency: str) -> bytes:
    return json.dumps({"agency": agency, "current_kid": "k", "version": "0"}).encode()


def es(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "enforce_share", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_up_refuses_a_taken_port_naming_it_and_starts_nothing(tmp_path) -> None:
    root = tmp_path / "fed"
    base = free_run_of_ports()
    with listener(base + 1):
        try:
            up = es("federation", "up", "--dir", str(root), "--records", "30",
                    "--base-port", str(base), "--wait", "0")
            pidfiles = sorted(root.glob("*/*.pid"))
            serving = [port for port in (base, base + 2, base + 3, base + 4) if _listens(port)]
        finally:
            federation.stop(root)
    assert up.returncode == 1, up.stdout[-2000:]
    assert up.stderr.splitlines() == [
        f"error: port {base + 1} (GBR) is taken by another process: stop it or use --base-port"]
    assert pidfiles == []
    assert serving == []


def test_ports_held_by_this_federations_own_nodes_are_not_taken(tmp_path) -> None:
    base = free_run_of_ports()
    gbr = laid_out(tmp_path, base)[1]
    gbr.pidfile("gunicorn").write_text(str(os.getpid()))  # a live process: GBR's own node
    with listener(gbr.port):
        federation.check_ports(tmp_path, base)


def test_a_running_federation_is_not_moved_to_another_base_port(tmp_path) -> None:
    base = free_run_of_ports()
    laid_out(tmp_path, base)[0].pidfile("scheduler").write_text(str(os.getpid()))
    with pytest.raises(ConfigError, match=f"runs on ports {base}-{base + 4}"):
        federation.check_ports(tmp_path, base + 10)


def test_wait_until_serving_refuses_a_port_answered_by_another_agency(tmp_path) -> None:
    base = free_run_of_ports()
    members = laid_out(tmp_path, base)
    with ExitStack() as servers:
        for member in members:
            answer = "USA" if member.agency == "GBR" else member.agency
            servers.enter_context(node_answering(member.port, as_agency(answer)))
        problems = federation.wait_until_serving(tmp_path, seconds=10)
    assert list(problems) == ["GBR"]
    assert f"port {base + 1}" in problems["GBR"] and "USA" in problems["GBR"]


def test_wait_until_serving_refuses_a_port_answered_by_something_else(tmp_path) -> None:
    base = free_run_of_ports()
    members = laid_out(tmp_path, base)
    with ExitStack() as servers:
        for member in members:
            if member.agency == "NZL":
                servers.enter_context(node_answering(member.port, b"{}", status=404))
            else:
                servers.enter_context(node_answering(member.port, as_agency(member.agency)))
        problems = federation.wait_until_serving(tmp_path, seconds=1)
    assert list(problems) == ["NZL"]
    assert f"port {base + 4}" in problems["NZL"]
