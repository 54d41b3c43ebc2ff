"""Pieces both bench scripts use: scenario drafts made one agency's own, progress bars."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import rfc8785
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tqdm import tqdm

from enforce_share.records.drafts import KEY_TYPES, Draft

#: No monitor thread: a process with one thread may fork a helper for large reads
#: (graph.fork); tqdm's monitor only tames bars that stall.
tqdm.monitor_interval = 0

ROOT = Path(__file__).resolve().parent.parent


def progress(total: int, desc: str) -> tqdm:
    """A progress bar on stderr (hidden when stderr is not a terminal)."""
    return tqdm(total=total, desc=desc, unit="rec", disable=None, leave=False, file=sys.stderr)


def as_gbr(items: Iterable[dict[str, Any]]) -> Iterator[Draft]:
    """Scenario drafts made GBR's own, less the references one origin alone could not make.

    Once every draft is GBR's, supersedes and withdrawals may meet targets of another type or
    already superseded or withdrawn: those are cleared (supersedes) or skipped (withdrawals),
    as the node would refuse them. The ground truth is left out.
    """
    types: dict[str, str] = {}
    superseded: set[str] = set()
    withdrawn: set[str] = set()
    for item in items:
        if item["type"] in KEY_TYPES or item["id"] in types:
            continue
        marking = dict(item["marking"])
        marking["releasable_to"] = list(dict.fromkeys([*marking["releasable_to"], "GBR", "USA"]))
        supersedes = item.get("supersedes")
        if supersedes and (types.get(supersedes) != item["type"] or supersedes in superseded
                           or supersedes in withdrawn):
            supersedes = None
        if item["type"] == "withdrawal":
            target = item["body"]["target"]
            if target not in types or target in withdrawn:
                continue
            withdrawn.add(target)
        if supersedes:
            superseded.add(supersedes)
        types[item["id"]] = item["type"]
        yield Draft(type=item["type"], marking=marking, body=item["body"],
                    supersedes=supersedes, id=item["id"])


def b64url(data: bytes) -> bytes:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url (RFC 4648)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BareVerifier:
    """The bound both benches compare with: RFC 8785 bytes and one Ed25519 verification."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.keys = {jwk["kid"]: Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
                     for jwk in jwks["keys"]}
        self.by_header: dict[str, Ed25519PublicKey] = {}

    def verify(self, document: dict[str, Any]) -> None:
        """Verify one signed record ``{record, jws}`` with no other check."""
        protected, _, signature = document["jws"].split(".")
        key = self.by_header.get(protected)
        if key is None:
            key = self.by_header[protected] = self.keys[json.loads(unb64url(protected))["kid"]]
        payload = rfc8785.dumps(document["record"])
        key.verify(unb64url(signature), protected.encode() + b"." + b64url(payload))


@contextlib.contextmanager
def gunicorn(data_dir: Path, workers: int, extra: dict[str, str] | None = None,
             master: list[int] | None = None, access_log: Path | None = None) -> Iterator[str]:
    """``gunicorn wsgi:app`` for the node in ``data_dir`` (as tests/processes.py starts it),
    with ``extra`` in its environment; the master's pid is appended to ``master``;
    ``access_log``: a file where each request is logged as ``<path> <status> <µs taken>``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ENFORCE_SHARE_DATA_DIR": str(data_dir),
           "ENFORCE_SHARE_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
           "ENFORCE_SHARE_LOG_LEVEL": "warning", **(extra or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "--access-logfile", str(access_log or os.devnull),
         *(["--access-logformat", "%(U)s %(s)s %(D)s"] if access_log else []), "wsgi:app"],
        cwd=ROOT, env=env)
    if master is not None:
        master.append(process.pid)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
    try:
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/api/v1/node"):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn for {data_dir} did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A fresh schema on ``server`` for one node, dropped at the end."""
    admin = sa.create_engine(server)
    schema = f"bench_sync_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in server else "?"
    try:
        yield f"{server}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def rss_mib(pid: int | str = "self") -> float:
    """Current resident set size (VmRSS) of a process, in MiB (0 if it is gone)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it answers."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except sa.exc.SQLAlchemyError as exc:
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()


def pss_mib(pid: int | str = "self") -> float:
    """Proportional set size of a process in MiB (``/proc/<pid>/smaps_rollup``): pages shared
    by N processes count 1/N each, so a node's processes sum to its real memory."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup",
                                            encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """Pids of ``pid``'s child processes."""
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in text.split()]
    return []


#: The graph requests of a node's memory warm-up ({actor}: an actor record id).
GRAPH_WARM_UP = ("/api/v1/entities?limit=50", "/api/v1/graph/clusters", "/api/v1/graph/hubs",
                 "/api/v1/graph/paths?from={actor}&to=listed",
                 "/api/v1/graph/neighbourhood/{actor}")
#: The search requests of the warm-up.
SEARCH_WARM_UP = ("/api/v1/search?limit=20", "/api/v1/search?type=violation&country=RU",
                  "/api/v1/search?q=freight%20forwarder", "/api/v1/search?name=techno%20trade",
                  "/api/v1/search?hs=8542&from=2023-01-01")


def node_pss(data_dir: Path, token: str, workers: int, rounds: int = 3) -> dict[str, Any]:
    """A gunicorn node of ``workers`` workers for ``data_dir``, warmed up by search and graph
    requests sent ``2 * workers`` at a time (so that every worker answers some of each), then
    its memory: PSS of the master, of the graph index process and of each worker, and their
    sum, in MiB."""
    import concurrent.futures

    import requests

    master: list[int] = []
    extra = {"ENFORCE_SHARE_RATE_LIMIT": "1000000 per minute"}
    headers = {"Authorization": f"Bearer {token}"}
    with gunicorn(data_dir, workers, extra, master) as base:
        first = requests.get(f"{base}/api/v1/search?type=actor&limit=1", headers=headers,
                             timeout=600).json()
        actor = first["items"][0]["record"]["id"]
        paths = [path.format(actor=actor) for path in (*SEARCH_WARM_UP, *GRAPH_WARM_UP)]

        def ask(path: str) -> int:
            return requests.get(base + path, headers=headers, timeout=600).status_code

        with concurrent.futures.ThreadPoolExecutor(2 * workers) as pool:
            for _ in range(rounds):
                statuses = list(pool.map(ask, [p for p in paths for _ in range(2 * workers)]))
                if set(statuses) != {200}:
                    raise SystemExit(f"warm-up answered {sorted(set(statuses))}")
        pids = children(master[0])
        index = [pid for pid in pids if b"enforce_share.graph.server" in Path(
            f"/proc/{pid}/cmdline").read_bytes()]
        figures = {"master_mib": pss_mib(master[0]),
                   "index_mib": sum(pss_mib(pid) for pid in index),
                   "worker_mib": [pss_mib(pid) for pid in pids if pid not in index]}
    figures["total_mib"] = (figures["master_mib"] + figures["index_mib"]
                            + sum(figures["worker_mib"]))
    return figures


def memory_table(one: dict[str, Any], four: dict[str, Any]) -> tuple[str, str]:
    """The memory lines of a bench's table and its BENCH figures, for nodes of 1 and 4
    workers."""
    lines = [f"   {'node':<10} {'master PSS':>10} {'graph index':>11} {'workers PSS':>20} "
             f"{'total':>8} MiB"]
    for name, figures in (("1 worker", one), ("4 workers", four)):
        workers = " ".join(f"{mib:.0f}" for mib in figures["worker_mib"])
        lines.append(f"   {name:<10} {figures['master_mib']:>10.0f} "
                     f"{figures['index_mib']:>11.0f} {workers:>20} {figures['total_mib']:>8.0f}")
    ratio = four["total_mib"] / one["total_mib"]
    lines.append(f"   4-worker total / 1-worker total: {ratio:.2f} (target < 1.5)")
    return "\n".join(lines), (f"pss_4w_mb={four['total_mib']:.0f} pss_1w_mb={one['total_mib']:.0f}"
                              f" pss_ratio={ratio:.2f}")
