"""One actor graph per node: the index process that a node's web workers ask.

A gunicorn worker holding a graph of its own multiplied a node's memory by its workers
(~2 GiB each at 110k actors), and pages shared copy-on-write after a fork do not stay
shared: reading a Python object writes to it (its reference count), so a worker answering
whole-graph questions soon held its own copy of most of them. gunicorn's master therefore
starts this process before it forks its workers (config/gunicorn.conf.py). The process reads
the node's graph, keeps it current from the store as any reader does (stamps), and answers
the questions of ``questions.py``, one at a time, keeping its latest answers while the
graph they came from is unchanged; the workers ask it.

Only the node's own processes can ask: the socket lives in a directory of the node's user
alone (mode 0700), and a client must prove it holds a key made for this start (the HMAC
challenge of ``multiprocessing.connection``); the key reaches the process on its standard
input, never in its arguments or environment. Questions and answers are JSON, never
pickles. The process leaves when the process that started it does. A worker that cannot
reach it answers from a graph of its own, and logs that it does.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing import AuthenticationError
from multiprocessing.connection import (
    Client,
    Connection,
    Listener,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path
from typing import Any

import orjson

from ..config import Config
from ..errors import Error
from .questions import QUESTIONS, Asker, remembering

log = logging.getLogger(__name__)
READY = b"ready\n"
#: The longest question read (a brief's actor ids are the longest): larger ones are refused.
MAX_QUESTION = 4 * 1024 * 1024
#: Seconds the starter waits at most for the process to read the graph (a million records
#: hold some 400,000 actors: minutes); a process that fails says so at once.
READ_TIMEOUT = 1800.0


class IndexUnavailable(Error):
    """The index process could not be started, or failed answering."""

    code = "graph_unavailable"
    status = 503


@dataclass
class IndexProcess:
    """A running index process, as the process that started it holds it."""

    process: subprocess.Popen[bytes]
    address: str
    authkey: bytes = field(repr=False)
    ready: bool = False

    @property
    def directory(self) -> Path:
        """The directory of the socket (the process's alone)."""
        return Path(self.address).parent

    def wait(self, timeout: float = READ_TIMEOUT) -> None:
        """Return once the process has read the graph and answers (at once if it did);
        IndexUnavailable, the process stopped, if it failed or took longer than ``timeout``
        seconds."""
        if self.ready:
            return
        stdout = self.process.stdout
        assert stdout is not None
        try:
            readable, _, _ = select.select([stdout], [], [], timeout)
            if not readable or stdout.readline() != READY:
                raise IndexUnavailable(f"the graph index process did not start (exit code "
                                       f"{self.process.poll()})")
        except BaseException:
            self.stop()
            raise
        finally:
            stdout.close()
        self.ready = True

    def stop(self) -> None:
        """Stop the process and remove its socket's directory."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start(config: Config) -> IndexProcess:
    """Start the index process of the node ``config`` describes; it reads the graph while
    the caller goes on (:meth:`IndexProcess.wait` for it to answer)."""
    directory = Path(tempfile.mkdtemp(prefix="enforce-share-graph-"))  # mode 0700
    address, authkey = str(directory / "socket"), secrets.token_bytes(32)
    settings = {item.name: getattr(config, item.name) for item in dataclasses.fields(config)}
    settings["data_dir"] = str(config.data_dir)
    process = subprocess.Popen([sys.executable, "-m", "enforce_share.graph.server"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    running = IndexProcess(process, address, authkey)
    assert process.stdin is not None
    try:
        process.stdin.write(json.dumps({"config": settings, "address": address,
                                        "authkey": authkey.hex()}).encode() + b"\n")
        process.stdin.close()
    except BaseException:
        running.stop()
        raise
    return running


class IndexClient:
    """Puts questions to the index process (a connection per process and thread); asks
    ``fallback`` (this process's own graph) when the index process cannot be reached."""

    def __init__(self, address: str, authkey: bytes, fallback: Asker) -> None:
        self.address, self._authkey, self._fallback = address, authkey, fallback
        self._local = threading.local()
        self._warned = False

    def __call__(self, question: str, viewer: str, *args: Any) -> Any:
        request = orjson.dumps([question, viewer, list(args)])
        for attempt in (1, 2):  # a question only reads: asking it twice is harmless
            try:
                connection = self._connection()
                connection.send_bytes(request)
                reply = orjson.loads(connection.recv_bytes())
                break
            except (OSError, EOFError, AuthenticationError):
                self._local.held = None
                if attempt == 2:
                    return self._unreachable(question, viewer, *args)
        if "error" in reply:
            raise _error(reply["error"], reply.get("message", ""), reply.get("fields"))
        return reply["answer"]

    def _connection(self) -> Connection:
        held = getattr(self._local, "held", None)
        if held is None or held[0] != os.getpid():  # a connection never crosses a fork
            held = self._local.held = (os.getpid(), Client(self.address, family="AF_UNIX",
                                                           authkey=self._authkey))
        return held[1]

    def _unreachable(self, question: str, viewer: str, *args: Any) -> Any:
        if not self._warned:
            self._warned = True
            log.error("graph index process unreachable at %s: this process answers from a "
                      "graph of its own", self.address)
        return self._fallback(question, viewer, *args)


def _error(code: str, message: str, fields: dict[str, Any] | None) -> Error:
    """The node's error of ``code`` (its own class), as the index process reported it."""
    known = {cls.code: cls for cls in _subclasses(Error)}
    cls = known.get(code, IndexUnavailable)
    return cls(message or f"the graph index process failed ({code})", fields)


def _subclasses(cls: type[Error]) -> list[type[Error]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


# --- the index process ---------------------------------------------------------------------


def serve(listener: Listener, authkey: bytes, ask: Asker,
          one_at_a_time: threading.Lock) -> None:
    """Answer the questions of every client of ``listener`` that proves it holds
    ``authkey``, one question at a time (a view changes in place: it is never read while it
    does). Each client is challenged in a thread of its own, so that one that never answers
    holds up no other."""

    def answer(connection: Connection) -> None:
        with connection:
            try:
                deliver_challenge(connection, authkey)
                answer_challenge(connection, authkey)
            except (OSError, EOFError, AuthenticationError) as exc:
                log.warning("graph index: refused a client: %s", exc)
                return
            while True:
                try:
                    request = connection.recv_bytes(MAX_QUESTION)
                except (OSError, EOFError):
                    return
                with one_at_a_time:
                    reply = _answer(ask, request)
                try:
                    connection.send_bytes(orjson.dumps(reply))
                except OSError:
                    return

    while True:
        try:
            connection = listener.accept()
        except OSError as exc:
            log.warning("graph index: accept failed: %s", exc)
            continue
        threading.Thread(target=answer, args=(connection,), daemon=True).start()


def _answer(ask: Asker, request: bytes) -> dict[str, Any]:
    try:
        question, viewer, args = orjson.loads(request)
        if question not in QUESTIONS or not isinstance(viewer, str) or not isinstance(args,
                                                                                     list):
            raise ValueError(f"not a question: {question!r}")
    except (ValueError, TypeError) as exc:
        return {"error": "invalid", "message": f"bad request to the graph index: {exc}"}
    try:
        return {"answer": ask(question, viewer, *args)}
    except Error as exc:
        return {"error": exc.code, "message": exc.message, "fields": exc.fields}
    except Exception:
        log.exception("graph index: %s failed", question)
        return {"error": IndexUnavailable.code, "message": f"the graph index failed ({question})"}


def _leave_with(parent: int, directory: Path) -> None:
    """Exit once the process that started this one is gone, removing the socket's
    directory (the starter did not live to)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    shutil.rmtree(directory, ignore_errors=True)
    os._exit(0)


def main() -> None:
    """The index process: settings on standard input; it listens, reads the graph, says
    ``READY`` on standard output, and answers."""
    from ..node import Node  # the node's code imports this module

    parent = os.getppid()
    settings = json.loads(sys.stdin.buffer.readline())
    sys.stdin.close()
    config = Config(**{**settings["config"], "data_dir": Path(settings["config"]["data_dir"])})
    logging.basicConfig(level=os.environ.get("ENFORCE_SHARE_LOG_LEVEL", "INFO").upper(),
                        stream=sys.stderr, format="%(asctime)s [graph-index] %(message)s")
    node = Node(config)
    authkey = bytes.fromhex(settings["authkey"])
    listener = Listener(settings["address"], family="AF_UNIX", backlog=64)
    os.chmod(settings["address"], 0o600)
    threading.Thread(target=_leave_with, args=(parent, Path(settings["address"]).parent),
                     daemon=True).start()
    node.warm_graph()  # a client that comes early waits in the listen queue
    os.write(1, READY)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the starter reads no more
    serve(listener, authkey, remembering(node.graph_view), threading.Lock())


if __name__ == "__main__":
    main()
