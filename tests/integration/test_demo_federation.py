"""`enforce-share federation up|status|down`: the README's run command, end to end."""

from __future__ import annotations

import json
import re
import socket
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from ..processes import ROOT, free_run_of_ports

pytestmark = pytest.mark.slow


def es(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "enforce_share", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_federation_comes_up_syncs_and_goes_down(tmp_path) -> None:
    root = str(tmp_path / "fed")
    base = free_run_of_ports()
    try:
        # `up` prints the table as soon as every node holds all it is owed (about 25 s on a
        # quiet 2-core machine); the wait only bounds a CI machine running other tests.
        up = es("federation", "up", "--dir", root, "--records", "400", "--interval", "2",
                "--wait", "120", "--base-port", str(base), timeout=240)
        assert up.returncode == 0, up.stderr[-2000:]
        for n, agency in enumerate(("USA", "GBR", "CAN", "AUS", "NZL")):
            assert f"{agency} listens on http://127.0.0.1:{base + n}" in up.stdout
        table = up.stdout[up.stdout.index("node  listens"):]
        rows = [line for line in table.splitlines() if re.match(r"^(USA|GBR|CAN|AUS|NZL) ", line)]
        assert len(rows) == 5
        cells = [cell for row in rows for cell in re.findall(r"\d+/\d+/\d+", row)]
        assert len(cells) == 20 and all(cell.endswith("/0") for cell in cells), table
        assert "owed and missing: 0 in all" in table, table  # every record released arrived
        status = es("federation", "status", "--dir", root)
        assert status.returncode == 0 and "own" in status.stdout
        token_file = Path(root) / "NZL" / "analyst.token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        request = urllib.request.Request(
            f"http://127.0.0.1:{base + 4}/api/v1/records?limit=5",
            headers={"Authorization": f"Bearer {token_file.read_text().strip()}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            items = json.loads(response.read())["items"]
        assert len(items) == 5  # what the demo analyst sees, as the run command's hint says
        assert "analyst.token" in up.stdout
        passwords = (Path(root) / "NZL" / "demo-users.txt")
        assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
        for name, role, password in (line.split() for line in passwords.read_text().splitlines()):
            assert f"{name} ({role}): {password}" in up.stdout  # make run prints them
        assert f"NZL  http://127.0.0.1:{base + 4}/" in up.stdout
    finally:
        down = es("federation", "down", "--dir", root)
    assert down.returncode == 0
    assert "stopped 10 processes" in down.stdout
    for port in range(base, base + 5):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
