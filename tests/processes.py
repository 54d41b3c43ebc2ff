"""Real node processes for integration tests: gunicorn on a free loopback port."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_run_of_ports(count: int = 5) -> int:
    """A base port such that ``count`` consecutive ports are free."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count >= 65000:
            continue
        try:
            sockets = []
            for port in range(base, base + count):
                held = socket.socket()
                sockets.append(held)
                held.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for held in sockets:
                held.close()
        return base
    raise RuntimeError("no run of free ports")


@contextmanager
def gunicorn_node(data_dir: Path, database_url: str | None, workers: int = 4,
                  access_log: Path | None = None, error_log: Path | None = None,
                  master: list[int] | None = None) -> Iterator[str]:
    """Run ``gunicorn wsgi:app`` for an initialised node; yield its base URL.

    ``access_log``: a file where each answer is logged as ``<worker pid> <path> <status>``;
    ``error_log``: a file for what the node's processes log; ``master``: the master's pid is
    appended to it.
    """
    port = free_port()
    env = {**os.environ, "ENFORCE_SHARE_DATA_DIR": str(data_dir),
           "ENFORCE_SHARE_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
           "ENFORCE_SHARE_LOG_LEVEL": "warning"}
    if database_url:
        env["DATABASE_URL"] = database_url
    errors = error_log.open("wb") if error_log else None
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         *(["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(U)s %(s)s"]
           if access_log else ["--access-logfile", os.devnull]), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors or subprocess.PIPE,
    )
    if errors:
        errors.close()  # the processes hold it
    if master is not None:
        master.append(process.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _wait_ready(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = process.stderr.read().decode()[-2000:] if process.stderr else ""
            raise RuntimeError(f"gunicorn exited: {said}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/node", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn at {base} not ready after {seconds}s")


class FeedGate:
    """A forwarding proxy in front of a node that lets one page of an origin's feed through.

    Every request is passed on unchanged (Host header included, so signatures still verify),
    except that after the first ``/api/v1/feed`` answer for ``origin`` the next ones wait
    until :meth:`open` is called. A test can so stop a pull after exactly one page, then do
    something to the server or the puller while the puller waits, with no race.
    """

    def __init__(self, backend: str, origin: str) -> None:
        self.backend = urlsplit(backend).netloc
        self.origin = origin
        self.served = 0
        self._opened = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                gate._forward(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def open(self) -> None:
        """Let the waiting and all later requests through."""
        self._opened.set()

    def close(self) -> None:
        self.open()
        self.server.shutdown()
        self.server.server_close()

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        if url.path == "/api/v1/feed" and parse_qs(url.query).get("origin") == [self.origin]:
            if self.served:
                self._opened.wait(timeout=120)
            self.served += 1
        connection = http.client.HTTPConnection(self.backend, timeout=60)
        try:
            connection.request("GET", handler.path, headers=dict(handler.headers))
            answer = connection.getresponse()
            body = answer.read()
        except OSError:  # the node is gone: drop the connection, as a dead node would
            handler.close_connection = True
            return
        finally:
            connection.close()
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
