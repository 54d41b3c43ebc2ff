"""Schemathesis with concurrent workers against a gunicorn node: races answer 4xx, never 5xx.

The in-process fuzzing (test_openapi_fuzz.py) sends one request at a time, so a request
racing another (a saved search run while it is deleted answered 500, issue 17) never shows
there. Here two schemathesis runs, a liaison's over every operation but the administrators'
and an administrator's over those, each with four workers, hit one node of four gunicorn
workers at the same time, with the same tokens, over records and saved searches both
create and delete. Every answer must be no server error and a status the operation declares,
and the node must log no traceback.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from enforce_share.records.drafts import Draft
from enforce_share.search.query import Query

from ..conftest import make_node, token_for
from ..factories import DraftFactory
from ..processes import gunicorn_node
from .test_openapi_fuzz import ADMIN_PATHS, SHARED

pytestmark = pytest.mark.slow

#: Examples per operation and run: with 4 workers each, about 40 s on an idle 2-core machine.
EXAMPLES = 40


def seed(node) -> None:
    """Records in every state, and saved searches of the liaison's, for the workers to race
    over (runs and deletes of the same searches, reads of records being written)."""
    drafts = DraftFactory()
    superseded, withdrawn = node.add_records([drafts("actor", SHARED), drafts("case", SHARED)])
    node.add_records([Draft("actor", SHARED, drafts("actor").body, supersedes=superseded.id),
                      drafts("violation", SHARED),
                      Draft("withdrawal", SHARED, {"target": withdrawn.id, "reason": "Twice"})])
    for number in range(1, 21):
        node.save_search("liaison", f"watch {number}", Query.parse({"q": "front company"}))


def schemathesis_run(base: str, token: str, admin: bool) -> subprocess.Popen:
    """One schemathesis CLI run with four workers, as the given user."""
    flag = "--include-path" if admin else "--exclude-path"
    selection = [part for path in sorted(ADMIN_PATHS) for part in (flag, path)]
    if not admin:
        selection += ["--exclude-path", "/api/v1/feed"]  # partner nodes only, by signature
    return subprocess.Popen(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/v1/openapi.json",
         "--workers", "4", "--max-examples", str(EXAMPLES), "--seed", "17",
         "--checks", "not_a_server_error,status_code_conformance",
         "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
         "--request-timeout", "30", "--no-color",
         "-H", f"Authorization: Bearer {token}", *selection],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_concurrent_fuzzing_finds_no_server_error(tmp_path, monkeypatch) -> None:
    node = make_node(tmp_path / "gbr", "GBR")
    tokens = {role: token_for(node, role, role) for role in ("liaison", "admin")}
    seed(node)
    monkeypatch.setenv("ENFORCE_SHARE_RATE_LIMIT", "100000 per minute")  # fuzz, not flood
    errors = tmp_path / "node.log"
    with gunicorn_node(node.config.data_dir, None, workers=4, error_log=errors) as base:
        runs = [schemathesis_run(base, tokens["liaison"], admin=False),
                schemathesis_run(base, tokens["admin"], admin=True)]
        outputs = [run.communicate(timeout=600)[0] for run in runs]
    node.close()
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-4000:]
        assert "No issues found" in output or "passed" in output, output[-2000:]
    assert "Traceback" not in errors.read_text(errors="replace")
