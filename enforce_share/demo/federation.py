"""The demo federation: five partner nodes on 127.0.0.1:8101-8105 (or from another base port),
each a gunicorn server and a scheduler process with its own SQLite database and keys, all
trusting each other."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ..access.models import User
from ..access.users import set_password
from ..audit.trail import Event
from ..config import load_config
from ..errors import ConfigError
from ..members import FOUNDING
from ..node import Node
from ..partners import add_partner
from ..sync.status import NOTHING_HELD
from .scenario import write_scenario
from .scenario.load import load_own_drafts

BASE_PORT = 8101
PROCESSES = ("gunicorn", "scheduler")
LAYOUT = "federation.json"
#: Each node's demo user, and the file in its data dir holding their API token.
DEMO_USER, TOKEN_FILE = "analyst", "analyst.token"
#: The demo users signing in to each node's web interface, and the file holding their
#: passwords (made per node at set-up).
DEMO_ROLES = {"analyst": "analyst", "liaison": "liaison", "admin": "admin"}
PASSWORD_FILE = "demo-users.txt"


@dataclass(frozen=True)
class Member:
    """One node of the federation."""

    agency: str
    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        """Where the node listens."""
        return f"http://127.0.0.1:{self.port}"

    def pidfile(self, process: str) -> Path:
        """Where the pid of one of its processes is kept."""
        return self.data_dir / f"{process}.pid"


def members(root: Path) -> list[Member]:
    """The five nodes under ``root``, on consecutive ports from the federation's base port."""
    layout = root / LAYOUT
    base = json.loads(layout.read_text())["base_port"] if layout.exists() else BASE_PORT
    return [Member(agency, root / agency, base + n) for n, agency in enumerate(FOUNDING.codes)]


def set_up(root: Path, records: int, seed: int, report: Callable[[str], None],
           base_port: int = BASE_PORT) -> None:
    """Initialise every node once, make them trust each other, load each one's slice."""
    root.mkdir(parents=True, exist_ok=True)
    (root / LAYOUT).write_text(json.dumps({"base_port": base_port}))
    nodes = {}
    for member in members(root):
        if not (member.data_dir / "node.toml").exists():
            Node.initialise(load_config(member.data_dir, agency=member.agency))[0].close()
            report(f"initialised {member.agency} in {member.data_dir}")
        nodes[member.agency] = Node(load_config(member.data_dir))
    try:
        jwks = {agency: node.jwks() for agency, node in nodes.items()}
        for member in members(root):
            with nodes[member.agency].transaction() as session:
                for other in members(root):
                    if other.agency != member.agency:
                        add_partner(session, member.agency, other.agency, jwks[other.agency],
                                    other.url)
        scenario = root / "scenario.jsonl"
        if not scenario.exists():
            write_scenario(scenario, records, seed)
        for agency, node in nodes.items():
            loaded = load_own_drafts(node, scenario)
            report(f"{agency}: {loaded.stored + loaded.already_held} records of its own")
        for member in members(root):
            _demo_users(nodes[member.agency], member.data_dir / PASSWORD_FILE)
            _analyst_token(nodes[member.agency], member.data_dir / TOKEN_FILE)
    finally:
        for node in nodes.values():
            node.close()


def _analyst_token(node: Node, path: Path) -> None:
    """A token of the demo analyst ``analyst`` in ``path`` (0600), once."""
    if path.exists():
        return
    issued = node.issue_token(DEMO_USER, timedelta(days=30))
    node.audit(Event("federation up", "users token", "ok", target={
        "user": DEMO_USER, "token": issued.id, "expires": issued.expires}))
    with os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w") as out:
        out.write(issued.token + "\n")


def _demo_users(node: Node, path: Path) -> None:
    """The node's demo users, one per role, each with a password made here and kept in
    ``path`` (0600, one ``name role password`` line each) for `federation up` to print."""
    kept = demo_users(path.parent)
    with node.reading() as session:
        known = {name: session.get(User, name) for name in DEMO_ROLES}
    lines = []
    for name, role in DEMO_ROLES.items():
        password = kept.get(name, (role, secrets.token_urlsafe(12)))[1]
        if known[name] is None:
            node.add_user(name, role, password)
            node.audit(Event("federation up", "users add", "ok",
                             target={"user": name, "role": role}))
        elif name not in kept:  # a federation set up before the web interface
            with node.transaction() as session:
                set_password(session, name, password)
        lines.append(f"{name} {known[name].role if known[name] else role} {password}\n")
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w") as out:
        out.writelines(lines)


def demo_users(data_dir: Path) -> dict[str, tuple[str, str]]:
    """A demo node's users: name -> (role, password), as set up (empty before)."""
    path = data_dir / PASSWORD_FILE
    if not path.exists():
        return {}
    return {name: (role, password) for name, role, password in
            (line.split(" ", 2) for line in path.read_text().splitlines() if line)}


def check_ports(root: Path, base_port: int) -> None:
    """Refuse (ConfigError) a base port whose five ports are not all free or this federation's.

    A port counts as this federation's own when the member's gunicorn recorded in its pid
    file is alive; any other listener would make that member's gunicorn fail to bind while
    the others start, and the run would report success over a foreign process.
    """
    laid_out = members(root)
    if base_port != laid_out[0].port and any(
            running(member, process) for member in laid_out for process in PROCESSES):
        raise ConfigError(
            f"the federation in {root} runs on ports {laid_out[0].port}-{laid_out[-1].port}: "
            f"stop it first (enforce-share federation down --dir {root}) or leave out --base-port")
    taken = [f"{base_port + n} ({member.agency})" for n, member in enumerate(laid_out)
             if not running(member, "gunicorn") and _taken(base_port + n)]
    if len(taken) == 1:
        raise ConfigError(f"port {taken[0]} is taken by another process: "
                          "stop it or use --base-port")
    if taken:
        raise ConfigError(f"ports {', '.join(taken)} are taken by other processes: "
                          "stop them or use --base-port")


def _taken(port: int) -> bool:
    """Whether anything listens on 127.0.0.1:``port`` (so gunicorn could not bind it)."""
    with socket.socket() as probe:
        # As gunicorn binds: with SO_REUSEADDR a port left only in TIME_WAIT (just after
        # `federation down`) is free, while any listener on it still makes bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    with socket.socket() as probe:  # where bind allows sharing a wildcard listener's port
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start(root: Path, interval: float) -> None:
    """Start each node's gunicorn and scheduler (those not already running).

    Nothing starts if a port is taken by another process (see :func:`check_ports`).
    """
    check_ports(root, members(root)[0].port)
    for member in members(root):
        commands = {
            "gunicorn": [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{member.port}",
                         "-w", "2", "--access-logfile", "-", "enforce_share.app:create_app()"],
            "scheduler": [sys.executable, "-m", "enforce_share", "scheduler",
                          "--interval", str(interval)],
        }
        for process, command in commands.items():
            if running(member, process):
                continue
            log = (member.data_dir / f"{process}.log").open("ab")
            child = subprocess.Popen(
                command, env={**os.environ, "ENFORCE_SHARE_DATA_DIR": str(member.data_dir)},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            member.pidfile(process).write_text(str(child.pid))


def wait_until_serving(root: Path, seconds: float = 30) -> dict[str, str]:
    """Per agency whose own node is not serving on its port within ``seconds``: why not.

    A port answered by another agency's node is settled at once (ours could not bind it);
    no answer, or one that is not a node, is asked again until the deadline.
    """
    deadline = time.monotonic() + seconds
    pending = {member.agency: member for member in members(root)}
    problems: dict[str, str] = {}
    while pending:
        for agency, member in list(pending.items()):
            problem, settled = _who_answers(member)
            problems[agency] = problem
            if settled:
                del pending[agency]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    return {agency: problem for agency, problem in sorted(problems.items()) if problem}


def _who_answers(member: Member) -> tuple[str, bool]:
    """What is wrong with the answer on the member's port ('' if it is the member's node),
    and whether that is settled."""
    try:
        with urllib.request.urlopen(f"{member.url}/api/v1/node", timeout=2) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        return f"port {member.port} answers HTTP {exc.code}, not as an enforce-share node", False
    except TimeoutError:
        return f"port {member.port} does not answer", False
    except OSError:
        return f"nothing listens on port {member.port}", False
    try:
        agency = json.loads(body).get("agency")
    except (ValueError, AttributeError):
        agency = None
    if agency == member.agency:
        return "", True
    if isinstance(agency, str):
        return f"port {member.port} is answered by another process's {agency} node", True
    return f"port {member.port} answers, but not as an enforce-share node", False


def running(member: Member, process: str) -> bool:
    """Whether the recorded process is alive."""
    try:
        os.kill(int(member.pidfile(process).read_text()), 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    return True


def stop(root: Path, seconds: float = 20) -> list[str]:
    """Stop every process of the federation, waiting for them; the names of those stopped."""
    stopped: dict[int, str] = {}
    for member in members(root):
        for process in PROCESSES:
            if running(member, process):
                pid = int(member.pidfile(process).read_text())
                os.killpg(pid, signal.SIGTERM)
                stopped[pid] = f"{member.agency} {process}"
            member.pidfile(process).unlink(missing_ok=True)
    deadline = time.monotonic() + seconds
    for pid in stopped:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
    return list(stopped.values())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def statuses(root: Path) -> dict[str, dict]:
    """Each member's sync status, read from its database."""
    found = {}
    for member in members(root):
        node = Node(load_config(member.data_dir))
        try:
            found[member.agency] = node.sync_status()
        finally:
            node.close()
    return found


def status_table(root: Path) -> str:
    """Per node and origin: records held in full, placeholders not released to it, and
    records released to it not yet arrived (owed); then the alarms of each node."""
    found = statuses(root)
    agencies = [member.agency for member in members(root)]
    lines = ["per origin: records held in full / placeholders not for this node / "
             "owed and missing", "node  listens                 "
             + "".join(f"{a:>16}" for a in agencies) + "  quarantined"]
    alarms = []
    for member in members(root):
        status = found[member.agency]
        cells = []
        for agency in agencies:
            if agency == member.agency:
                cells.append(f"own {status['held'].get(agency, 0)}")
                continue
            held = status["origins"].get(agency, NOTHING_HELD)
            cells.append(f"{held['full']}/{held['not_for_us']}/{held['owed']}")
        quarantined = sum(peer["quarantined"] for peer in status["peers"])
        alive = "" if running(member, "gunicorn") else " (down)"
        lines.append(f"{member.agency:<5} {member.url + alive:<24}"
                     + "".join(f"{cell:>16}" for cell in cells) + f"  {quarantined:>11}")
        alarms += [f"{member.agency}: {alarm['message']}" for alarm in status["alarms"]]
    owed = sum(held["owed"] for status in found.values() for held in status["origins"].values())
    lines.append(f"owed and missing: {owed} in all" + (
        "" if owed else " (every node holds every record released to it)"))
    return "\n".join(lines + [f"alarm  {alarm}" for alarm in alarms])


def converged(root: Path) -> bool:
    """Whether every node holds every other origin's log up to that origin's own head, with
    every record released to it in full (nothing owed)."""
    found = statuses(root)
    return all(status["held"].get(origin, 0) == found[origin]["held"].get(origin, 0)
               and not status["origins"].get(origin, {}).get("owed")
               for agency, status in found.items() for origin in found if origin != agency)
