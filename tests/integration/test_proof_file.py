"""`enforce-share proof export|verify`: a record's proof file, checked by the node and by an
independent RFC 9162 verifier written here over hashlib."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import rfc8785
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from enforce_share.cli import main

from ..conftest import make_node


@pytest.fixture
def cli(node):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["--data-dir", str(node.config.data_dir), *args])


@pytest.fixture
def exported(node, drafts, cli, tmp_path) -> Path:
    """The proof file of GBR's 5th actor in a log of 12 or more entries."""
    records = node.add_records([drafts.unique_actor() for _ in range(5)])
    node.add_records([drafts.unique_actor() for _ in range(6)])
    out = tmp_path / "proof.json"
    result = cli("proof", "export", records[4].id, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _independent_leaf(document: dict) -> bytes:
    """The record's leaf hash: SHA-256(0x00 || SHA-256(RFC 8785 of its stub))."""
    record = document["record"]
    record_hash = hashlib.sha256(rfc8785.dumps(record)).hexdigest()
    stub = {"origin": record["origin"], "seq": record["seq"], "id": record["id"],
            "hash": record_hash, "marking": record["marking"]}
    return hashlib.sha256(b"\x00" + hashlib.sha256(rfc8785.dumps(stub)).digest()).digest()


def _independent_root(document: dict) -> bytes:
    """RFC 9162 2.1.3.2 over hashlib, from the file alone: the root its proof leads to."""
    record, r = document["record"], _independent_leaf(document)
    fn, sn = record["seq"] - 1, document["tree"]["size"] - 1
    for p in map(base64.b64decode, document["inclusion"]["proof"]):
        assert sn > 0
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return r


def test_an_independent_verifier_accepts_the_exported_file(node, exported) -> None:
    document = json.loads(exported.read_text())
    assert _independent_root(document) == base64.b64decode(document["tree"]["root"])
    # the checkpoint's detached JWS (RFC 7515 appendix F) under the origin's published key
    protected, _, signature = document["checkpoint"]["jws"].split(".")
    kid = json.loads(_b64(protected))["kid"]
    (jwk,) = [key for key in node.jwks()["keys"] if key["kid"] == kid]
    payload = base64.urlsafe_b64encode(rfc8785.dumps(document["checkpoint"]["checkpoint"]))
    Ed25519PublicKey.from_public_bytes(_b64(jwk["x"])).verify(
        _b64(signature), protected.encode() + b"." + payload.rstrip(b"="))
    assert document["checkpoint"]["checkpoint"]["seq"] == document["tree"]["size"] >= 12
    assert exported.stat().st_size < 4096


def test_the_node_verifies_its_exported_file(cli, exported) -> None:
    result = cli("proof", "verify", str(exported))
    assert result.exit_code == 0, result.output
    seq = json.loads(exported.read_text())["record"]["seq"]
    assert result.output.startswith("verified: actor ")
    assert f"is entry {seq} of GBR's log" in result.output


def _changed(path: Path, change) -> Path:
    document = json.loads(path.read_text())
    change(document)
    changed = path.with_name("changed.json")
    changed.write_text(json.dumps(document))
    return changed


def _flip(value: str) -> str:
    return ("0" if value[0] != "0" else "1") + value[1:]


@pytest.mark.parametrize("change", [
    lambda d: d["inclusion"]["proof"].__setitem__(0, _flip(d["inclusion"]["proof"][0])),
    lambda d: d["inclusion"]["proof"].pop(),
    lambda d: d["tree"].__setitem__("root", _flip(d["tree"]["root"])),
    lambda d: d["tree"].__setitem__("size", d["tree"]["size"] - 1),
    lambda d: d["record"]["body"].__setitem__("name", "Someone Else Ltd"),
    lambda d: d["checkpoint"]["checkpoint"].__setitem__("head", "0" * 64),
    lambda d: d["record"].__setitem__("seq", d["record"]["seq"] + 1),
    lambda d: d["inclusion"].__setitem__("seq", d["inclusion"]["seq"] + 1),
    lambda d: d.pop("inclusion"),
], ids=["proof-bit", "proof-short", "root", "size", "record", "checkpoint", "seq",
        "inclusion-seq", "missing"])
def test_a_changed_file_fails_with_one_line(cli, exported, change) -> None:
    result = cli("proof", "verify", str(_changed(exported, change)))
    assert result.exit_code == 1
    assert result.output.startswith("verification failed: ")
    assert result.output.count("\n") == 1


def test_a_root_that_is_not_the_logs_fails_even_with_a_matching_proof(cli, exported) -> None:
    """A file whose record, path and root fit together but whose root is not the tree of the
    signed log (the exporter lied about the root): the node binds the root to its own log."""
    document = json.loads(exported.read_text())
    forged = {**document, "tree": {**document["tree"], "size": document["record"]["seq"]}}
    forged["inclusion"] = {**document["inclusion"], "proof": []}
    forged["tree"]["root"] = base64.b64encode(_independent_leaf(document)).decode()
    result = cli("proof", "verify", str(_changed(exported, lambda d: d.update(forged))))
    assert result.exit_code == 1 and "verification failed" in result.output


def test_a_node_not_holding_the_log_says_it_cannot_bind_the_root(exported, tmp_path,
                                                                 node) -> None:
    other = make_node(tmp_path / "usa", "USA")
    try:
        result = CliRunner().invoke(main, ["--data-dir", str(other.config.data_dir), "proof",
                                           "verify", str(exported)])
    finally:
        other.close()
    assert result.exit_code == 1
    assert "verification failed" in result.output


def test_export_of_an_unknown_record_is_one_line_and_exit_1(cli, tmp_path, node) -> None:
    result = cli("proof", "export", "3f1e9c1a-4b7d-4f7a-9a4e-2d9f0c1b2a3e", "--out",
                 str(tmp_path / "x.json"))
    assert result.exit_code == 1 and result.output.startswith("error: ")
