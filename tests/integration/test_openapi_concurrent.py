"""Schemathesis with concurrent workers against a gunicorn node: races answer 4xx, never 5xx.

The in-process fuzzing (test_openapi_fuzz.py) sends one request at a time, so a request
racing another (a saved search run while it is deleted answered 500, issue 17) never shows
there. Here two schemathesis runs, a liaison's over every operation but the administrators'
and an administrator's over those, each with four workers, hit one node of four gunicorn
workers at the same time, with the same tokens, over records and saved searches both
create and delete. Every answer must be no server error and a status the operation declares,
and the node must log no traceback. (The tool may fail to make an example in one of its
threads now and then, a CPython 3.11 ``ast.parse`` race inside hypothesis: an error of the
tool, not a finding; only a check failing on the node's answer fails this test.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

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


def schemathesis_run(base: str, token: str, admin: bool, report: Path) -> subprocess.Popen:
    """One schemathesis CLI run with four workers, as the given user, its JUnit report in
    ``report``."""
    flag = "--include-path" if admin else "--exclude-path"
    selection = [part for path in sorted(ADMIN_PATHS) for part in (flag, path)]
    if not admin:
        selection += ["--exclude-path", "/api/v1/feed"]  # partner nodes only, by signature
    return subprocess.Popen(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/v1/openapi.json",
         "--workers", "4", "--max-examples", str(EXAMPLES), "--seed", "17",
         "--checks", "not_a_server_error,status_code_conformance",
         "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
         "--request-timeout", "30", "--no-color", "--report", "junit",
         "--report-junit-path", str(report),
         "-H", f"Authorization: Bearer {token}", *selection],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_concurrent_fuzzing_finds_no_server_error(tmp_path, monkeypatch) -> None:
    node = make_node(tmp_path / "gbr", "GBR")
    tokens = {role: token_for(node, role, role) for role in ("liaison", "admin")}
    seed(node)
    monkeypatch.setenv("ENFORCE_SHARE_RATE_LIMIT", "100000 per minute")  # fuzz, not flood
    errors = tmp_path / "node.log"
    with gunicorn_node(node.config.data_dir, None, workers=4, error_log=errors) as base:
        reports = [tmp_path / "liaison.xml", tmp_path / "admin.xml"]
        runs = [schemathesis_run(base, tokens["liaison"], False, reports[0]),
                schemathesis_run(base, tokens["admin"], True, reports[1])]
        outputs = [run.communicate(timeout=600)[0] for run in runs]
    node.close()
    for report, output in zip(reports, outputs, strict=True):
        cases = ElementTree.parse(report).getroot().iter("testcase")
        failed = [case.get("name") for case in cases if case.find("failure") is not None]
        assert failed == [], output[-4000:]  # a check failed: a 5xx or an undeclared status
        tested = len(list(ElementTree.parse(report).getroot().iter("testcase")))
        assert tested >= (3 if report.name == "admin.xml" else 20), output[-2000:]
    assert "Traceback" not in errors.read_text(errors="replace")
