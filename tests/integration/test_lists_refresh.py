"""The scheduled refresh: files from the drop folder, or downloaded over HTTP from the URLs
configured; one source failing leaves the others, and the lists held, as they were."""

from __future__ import annotations

import dataclasses
import functools
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from enforce_share.audit.models import AuditEntry
from enforce_share.cli import main
from enforce_share.lists import refresh
from enforce_share.lists.entries import ListFormatError
from enforce_share.lists.service import held

from ..conftest import postgresql_is_slow
from ..unit.lists import FIXTURES

#: The refresh reads files and HTTP; how imports are stored is tested in test_lists.py.
pytestmark = postgresql_is_slow


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # no request lines in the test output
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a folder: its base URL and the folder."""
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet,
                                                                     directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def current(node) -> dict[str, int]:
    return {source["source"]: source["current"] for source in held(node)}


def test_files_dropped_in_a_source_folder_are_imported_once(node) -> None:
    inbox = node.config.inbox
    (inbox / "csl").mkdir(parents=True)
    shutil.copy(FIXTURES / "csl.json", inbox / "csl" / "csl.json")
    (done,) = refresh.refresh(node, node.config)
    assert (done.source, done.error, done.outcome.added) == ("csl", None, 5)
    assert done.outcome is not None and current(node)["csl"] == 5
    (again,) = refresh.refresh(node, node.config)
    assert again.outcome is not None and again.outcome.unchanged


def test_urls_are_downloaded_and_a_failing_source_stops_no_other(node, served) -> None:
    base, folder = served
    shutil.copy(FIXTURES / "sdn.xml", folder / "sdn.xml")
    config = dataclasses.replace(node.config, list_urls=(
        ("ofac-sdn", (f"{base}/sdn.xml",)), ("csl", (f"{base}/missing.json",))))
    found = {item.source: item for item in refresh.refresh(node, config)}
    assert found["ofac-sdn"].outcome is not None and found["ofac-sdn"].outcome.added == 4
    assert "404" in (found["csl"].error or "") and found["csl"].outcome is None
    assert current(node)["ofac-sdn"] == 4 and current(node)["csl"] == 0
    cached = node.config.data_dir / "lists-cache" / "ofac-sdn" / "sdn.xml"
    assert cached.read_bytes() == (FIXTURES / "sdn.xml").read_bytes()


def test_a_download_beyond_the_limit_is_refused_and_nothing_is_left(node, served) -> None:
    base, folder = served
    (folder / "big.csv").write_bytes(b"x" * 100_000)
    target = node.config.data_dir / "cache"
    target.mkdir()
    with pytest.raises(ListFormatError, match="larger than 1,000 bytes"):
        refresh.fetch_file(f"{base}/big.csv", target, limit=1000)
    assert list(target.iterdir()) == []  # the partial file is gone
    with pytest.raises(ListFormatError, match="only http and https"):
        refresh.fetch_file("file:///etc/passwd", target)


def test_the_scheduled_job_audits_each_import_and_the_command_reports(node) -> None:
    inbox = node.config.inbox
    (inbox / "ofac-sdn").mkdir(parents=True)
    shutil.copy(FIXTURES / "sdn.xml", inbox / "ofac-sdn" / "SDN.XML")
    refresh.scheduled(node)
    with node.reading() as session:
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action ==
                                                            "lists refresh")).all()
    assert entry.actor == "node:GBR" and json.loads(entry.target)["source"] == "ofac-sdn"
    (inbox / "csl").mkdir()
    (inbox / "csl" / "bad.json").write_text("{", encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(node.config.data_dir), "lists",
                                       "refresh"])
    assert result.exit_code == 1
    assert "ofac-sdn: unchanged" in result.output
    assert "csl: failed: bad.json line 1 column 2: not JSON" in result.output
