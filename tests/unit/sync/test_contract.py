"""schemas/*.json are what `enforce-share schemas export` writes from the code, byte for byte."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from enforce_share.cli import main

COMMITTED = Path(__file__).resolve().parents[3] / "schemas"


def test_the_committed_documents_are_the_code_s(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schemas", "export", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = {path.name: path.read_bytes() for path in tmp_path.glob("*.json")}
    committed = {path.name: path.read_bytes() for path in COMMITTED.glob("*.json")}
    assert sorted(written) == sorted(committed)
    stale = [name for name in written if written[name] != committed[name]]
    assert stale == [], "run `enforce-share schemas export` and commit schemas/"
