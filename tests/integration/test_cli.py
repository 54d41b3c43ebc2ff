"""The `enforce-share` command, driven through click's runner and once as a real process."""

from __future__ import annotations

import base64
import gc
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from enforce_share.cli import main
from enforce_share.config import ENVIRONMENT
from enforce_share.records.queries import signed
from enforce_share.signing import jws
from enforce_share.signing.keys import generate_key, load_private_key, public_jwk

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
AGENCY_CODES = ("USA", "GBR", "CAN", "AUS", "NZL")
PARTNER_URL = "http://127.0.0.1:8102"

Cli = Callable[..., Result]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch) -> None:
    """No node settings leak in from the shell running the tests."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def collect_garbage() -> Iterator[None]:
    """Collect after each test, so a connection a command left open fails that test."""
    yield
    gc.collect()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "gbr"


@pytest.fixture
def cli(runner: CliRunner, data_dir: Path) -> Cli:
    """Run ``enforce-share --data-dir DATA_DIR ARGS...``."""

    def invoke(*args: str) -> Result:
        return runner.invoke(main, ["--data-dir", str(data_dir), *args])

    return invoke


@pytest.fixture
def gbr(cli: Cli) -> Cli:
    """The runner for an initialised GBR node on embedded SQLite."""
    result = cli("init", "--agency", "GBR")
    assert result.exit_code == 0, result.output
    return cli


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def stored_records(data_dir: Path) -> int:
    with closing(sqlite3.connect(data_dir / "node.db")) as connection:
        return connection.execute("SELECT count(*) FROM records").fetchone()[0]


def add_record(cli: Cli, tmp_path: Path, drafts, name: str = "draft.json") -> str:
    result = cli("record", "add", str(write_json(tmp_path / name, drafts.payload("actor"))))
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def shown(cli: Cli, record_id: str) -> dict[str, Any]:
    result = cli("record", "show", record_id)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def signed_file(cli: Cli, tmp_path: Path, drafts, name: str = "signed.json") -> Path:
    """A file holding a record the node signed, as `record show` prints it: ``{record, jws}``."""
    result = cli("record", "show", add_record(cli, tmp_path, drafts))
    assert result.exit_code == 0, result.output
    path = tmp_path / name
    path.write_text(result.stdout)
    return path


def root_dir(data_dir: Path) -> Path:
    """Where `init` made the node's root key when given none."""
    return data_dir.with_name(f"{data_dir.name}-root")


def kid_of_token(token: str) -> str:
    protected = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))["kid"]


def exported_keys(cli: Cli) -> list[dict[str, Any]]:
    result = cli("keys", "export")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["keys"]


# --- init ------------------------------------------------------------------------------------


def test_init_writes_the_private_key_with_mode_0600(cli, data_dir) -> None:
    assert cli("init", "--agency", "GBR").exit_code == 0
    (key_file,) = (data_dir / "keys").glob("*.pem")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data_dir / "keys").st_mode) == 0o700


def test_init_prints_the_kid_of_the_key_it_wrote(cli, data_dir) -> None:
    result = cli("init", "--agency", "GBR")
    (key_file,) = (data_dir / "keys").glob("*.pem")
    assert f"signing key {key_file.stem}" in result.stdout


def test_init_writes_the_config_file(cli, data_dir) -> None:
    cli("init", "--agency", "gbr")
    assert 'agency = "GBR"' in (data_dir / "node.toml").read_text()


def test_init_creates_the_database_with_root_version_1(cli, data_dir) -> None:
    result = cli("init", "--agency", "GBR")
    with closing(sqlite3.connect(data_dir / "node.db")) as connection:
        rows = connection.execute("SELECT origin, seq, type FROM records").fetchall()
    assert rows == [("GBR", 1, "root")]
    root = root_dir(data_dir)  # beside the data dir, never in it
    assert (root / "root.json").exists() and str(root) in result.stderr
    assert not any(path.name == "root.json" for path in data_dir.rglob("*"))


def test_init_refuses_an_unknown_agency_naming_the_allowed_codes(cli) -> None:
    result = cli("init", "--agency", "XYZ")
    assert result.exit_code != 0
    (line,) = [line for line in result.stderr.splitlines() if "XYZ" in line]
    assert all(code in line for code in AGENCY_CODES)


def test_init_with_an_unknown_agency_creates_nothing(cli, data_dir) -> None:
    cli("init", "--agency", "XYZ")
    assert not data_dir.exists()


def test_init_twice_is_refused(gbr) -> None:
    result = gbr("init", "--agency", "GBR")
    assert result.exit_code == 1
    assert "already holds a node" in result.stderr


def test_commands_need_an_initialised_node(cli) -> None:
    result = cli("keys", "export")
    assert result.exit_code == 1
    assert "enforce-share init" in result.stderr


def test_data_dir_can_come_from_the_environment(runner, gbr, data_dir, monkeypatch) -> None:
    monkeypatch.setenv("ENFORCE_SHARE_DATA_DIR", str(data_dir))
    result = runner.invoke(main, ["keys", "export"])
    assert result.exit_code == 0, result.output
    assert [key["kid"] for key in json.loads(result.stdout)["keys"]] == [
        path.stem for path in (data_dir / "keys").glob("*.pem")]


# --- records ---------------------------------------------------------------------------------


def test_record_add_prints_the_new_id(gbr, tmp_path, drafts) -> None:
    assert UUID4.match(add_record(gbr, tmp_path, drafts))


def test_record_show_prints_the_signed_record(gbr, tmp_path, drafts) -> None:
    record_id = add_record(gbr, tmp_path, drafts)
    view = shown(gbr, record_id)
    assert view["record"]["id"] == record_id
    assert view["record"]["body"] == drafts.payload("actor")["body"]
    assert (view["record"]["origin"], view["record"]["seq"]) == ("GBR", 2)
    assert set(view) == {"record", "jws"}


def test_record_show_versions_lists_every_version(gbr, tmp_path, drafts) -> None:
    first = add_record(gbr, tmp_path, drafts)
    update = {**drafts.payload("actor"), "supersedes": first}
    second = gbr("record", "add", str(write_json(tmp_path / "update.json", update)))
    assert second.exit_code == 0, second.output
    result = gbr("record", "show", first, "--versions")
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(seq, record_id) for seq, _, record_id in lines] == [
        ("2", first), ("3", second.stdout.strip())]


def test_record_show_of_an_unknown_id_fails(gbr) -> None:
    result = gbr("record", "show", "3f0e0c3a-8a4e-4c53-9a51-1d2c3b4a5e6f")
    assert result.exit_code == 1
    assert "No record" in result.stderr


@pytest.mark.parametrize("change, field", [
    (lambda draft: draft["body"].update(countries=["ZZ"]), "body.countries.0"),
    (lambda draft: draft["marking"].update(tlp="white"), "marking.tlp"),
    (lambda draft: draft.update(colour="blue"), "colour"),
    (lambda draft: draft.pop("type"), "type"),
    (lambda draft: draft.update(type="dossier"), "type"),
])
def test_record_add_of_an_invalid_draft_names_the_field_and_stores_nothing(
    gbr, data_dir, tmp_path, drafts, change, field
) -> None:
    draft = drafts.payload("actor")
    change(draft)
    before = stored_records(data_dir)
    result = gbr("record", "add", str(write_json(tmp_path / "bad.json", draft)))
    assert result.exit_code == 1
    assert f"({field}:" in result.stderr
    assert stored_records(data_dir) == before


def test_record_add_refuses_key_announcements(gbr, data_dir, tmp_path) -> None:
    jwk = public_jwk(generate_key())
    draft = {"type": "key", "marking": {"tlp": "clear", "releasable_to": ["GBR"]},
             "body": {"kid": jwk["kid"], "jwk": jwk, "valid_from": "2026-01-01T00:00:00Z"}}
    result = gbr("record", "add", str(write_json(tmp_path / "key.json", draft)))
    assert result.exit_code == 1
    assert ("(type: audit_anchor, disavowal, key, key_revocation, membership, root are "
            "reserved.)") in result.stderr
    assert stored_records(data_dir) == 1


def test_record_add_of_a_file_that_is_not_json_fails(gbr, data_dir, tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"type": "actor",', encoding="utf-8")
    result = gbr("record", "add", str(path))
    assert result.exit_code == 1
    assert "is not JSON" in result.stderr
    assert stored_records(data_dir) == 1


def test_record_add_of_a_number_longer_than_python_converts_fails(gbr, data_dir,
                                                                  tmp_path) -> None:
    path = tmp_path / "long.json"
    path.write_text('{"type": "actor", "n": ' + "7" * 5000 + "}", encoding="utf-8")
    result = gbr("record", "add", str(path))
    assert result.exit_code == 1
    assert "is not JSON" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert stored_records(data_dir) == 1


def test_record_verify_accepts_a_record_the_node_signed(gbr, tmp_path, drafts) -> None:
    result = gbr("record", "verify", str(signed_file(gbr, tmp_path, drafts)))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("verified: actor ")


def _flip_body_byte(document: dict[str, Any]) -> None:
    document["record"]["body"]["name"] = document["record"]["body"]["name"].replace("T", "U", 1)


def _flip_header_byte(document: dict[str, Any]) -> None:
    # The first character encodes the header's opening brace: the header stops being JSON.
    document["jws"] = ("A" if document["jws"][0] != "A" else "B") + document["jws"][1:]


def _flip_signature_byte(document: dict[str, Any]) -> None:
    protected, _, signature = document["jws"].split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    document["jws"] = f"{protected}..{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


def _unknown_kid(document: dict[str, Any]) -> None:
    _, _, signature = document["jws"].split(".")
    header = json.dumps({"alg": "Ed25519", "kid": "no-such-key"}).encode()
    document["jws"] = f"{base64.urlsafe_b64encode(header).decode().rstrip('=')}..{signature}"


@pytest.mark.parametrize("tamper, reason", [
    (_flip_body_byte, "bad_signature"),
    (_flip_header_byte, "malformed_jws"),
    (_flip_signature_byte, "bad_signature"),
    (_unknown_kid, "unknown_kid"),
    (lambda document: document["record"].update(origin="USA"), "wrong_agency"),
    (lambda document: document["record"].pop("seq"), "malformed_record"),
])
def test_record_verify_rejects_tampering_with_the_reason(gbr, tmp_path, drafts, tamper,
                                                         reason) -> None:
    path = signed_file(gbr, tmp_path, drafts)
    document = json.loads(path.read_text(encoding="utf-8"))
    tamper(document)
    result = gbr("record", "verify", str(write_json(path, document)))
    assert result.exit_code == 1
    assert f"verification failed: {reason}:" in result.stderr


def test_record_verify_rejects_a_record_a_retired_key_signed(
    gbr, data_dir, tmp_path, drafts
) -> None:
    old_kid = exported_keys(gbr)[0]["kid"]
    assert gbr("keys", "rotate", "--root", str(root_dir(data_dir))).exit_code == 0
    record = drafts("actor").envelope("GBR", 3)  # the seq after the rotation
    token = jws.sign(jws.canonical(record), load_private_key(data_dir / "keys", old_kid), old_kid)
    result = gbr("record", "verify", str(write_json(tmp_path / "late.json",
                                                    {"record": record, "jws": token})))
    assert result.exit_code == 1
    assert "verification failed: key_retired:" in result.stderr


# --- keys ------------------------------------------------------------------------------------


def test_keys_export_prints_a_public_jwk_set(gbr) -> None:
    result = gbr("keys", "export")
    (key,) = json.loads(result.stdout)["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "Ed25519", "sig")
    assert '"d"' not in result.stdout
    assert "d" not in key


def test_keys_rotate_changes_the_signing_kid(gbr, data_dir, tmp_path, drafts) -> None:
    old_kid = exported_keys(gbr)[0]["kid"]
    result = gbr("keys", "rotate", "--root", str(root_dir(data_dir)))
    assert result.exit_code == 0, result.output
    old, new = re.fullmatch(r"rotated: (\S+) -> (\S+)\n", result.stdout).groups()
    assert old == old_kid
    assert new != old
    assert kid_of_token(shown(gbr, add_record(gbr, tmp_path, drafts))["jws"]) == new


def test_records_signed_before_rotation_still_verify(gbr, data_dir, tmp_path, drafts) -> None:
    path = signed_file(gbr, tmp_path, drafts)
    assert gbr("keys", "rotate", "--root", str(root_dir(data_dir))).exit_code == 0
    result = gbr("record", "verify", str(path))
    assert result.exit_code == 0, result.output


def test_keys_rotate_needs_the_root(gbr, tmp_path) -> None:
    """No root keys, no rotation: the online key alone announces nothing (issue 15)."""
    result = gbr("keys", "rotate", "--root", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "root.json" in result.stderr
    assert len(exported_keys(gbr)) == 1


def test_rotation_offline_draft_sign_publish(cli, data_dir, tmp_path, drafts) -> None:
    """The root keys never meet the node: the node drafts (making the new online key), the
    key holders sign on their own machines, the node publishes; 2 of 3 must sign."""
    root = tmp_path / "offline-root"
    assert cli("root", "init", "--keys", "3", "--threshold", "2", "--out", str(root)
               ).exit_code == 0
    assert cli("init", "--agency", "GBR", "--root", str(root)).exit_code == 0
    old_kid = exported_keys(cli)[0]["kid"]
    draft = tmp_path / "rotation.json"
    assert cli("root", "draft", "rotate", "--out", str(draft)).exit_code == 0
    keys = sorted(root.glob("*.pem"))
    holder = tmp_path / "holder-a"  # one key holder's share: one key and root.json
    holder.mkdir(mode=0o700)
    (holder / keys[0].name).write_bytes(keys[0].read_bytes())
    (holder / keys[0].name).chmod(0o600)
    (holder / "root.json").write_text((root / "root.json").read_text())
    signed_once = cli("root", "sign", str(draft), "--root", str(holder))
    assert signed_once.exit_code == 0 and "1 signature(s)" in signed_once.stdout
    refused = cli("root", "publish", str(draft))
    assert refused.exit_code == 1 and "below_threshold" in refused.stderr
    assert cli("root", "sign", str(draft), "--root", str(root)).exit_code == 0
    published = cli("root", "publish", str(draft))
    assert published.exit_code == 0, published.output
    assert "published root at seq 2" in published.stdout
    keys_now = {key["kid"]: key for key in exported_keys(cli)}
    assert keys_now[old_kid]["until_seq"] == 2 and len(keys_now) == 2
    again = cli("root", "publish", str(draft))  # the same version twice: never
    assert again.exit_code == 1 and "root_rollback" in again.stderr


def test_disavowing_what_a_stolen_key_signed(gbr, data_dir, tmp_path, drafts) -> None:
    """Recovery from a stolen online key: rotate with the root, disavow what it signed. The
    records stay in the log (the chain holds) and are shown as disavowed, never current."""
    stolen = add_record(gbr, tmp_path, drafts)  # seq 2, signed by the key later stolen
    old_kid = kid_of_token(shown(gbr, stolen)["jws"])
    root = str(root_dir(data_dir))
    assert gbr("keys", "rotate", "--root", root).exit_code == 0
    draft = tmp_path / "disavowal.json"
    made = gbr("root", "draft", "disavow", "--kid", old_kid, "--seqs", "2", "--reason",
               "key taken from a laptop", "--out", str(draft))
    assert made.exit_code == 0, made.output
    assert gbr("root", "sign", str(draft), "--root", root).exit_code == 0
    assert gbr("root", "publish", str(draft)).exit_code == 0
    view = gbr("record", "show", stolen)
    assert "disavowed by its origin's root" in view.stderr
    assert "key taken from a laptop" in view.stderr
    assert gbr("record", "verify", str(write_json(tmp_path / "s.json", json.loads(
        view.stdout)))).exit_code == 0  # still in the chain, signed by its key of the time
    assert "\tdisavowed" in gbr("record", "show", "--versions", stolen).stdout
    bad = gbr("root", "draft", "disavow", "--kid", old_kid, "--seqs", "2-x", "--reason", "r",
              "--out", str(draft))
    assert bad.exit_code == 1 and "--seqs" in bad.stderr


# --- partners --------------------------------------------------------------------------------


@pytest.fixture
def usa_jwks(partner, tmp_path) -> Path:
    return write_json(tmp_path / "usa-jwks.json", partner.jwks())


@pytest.fixture
def usa_record(partner, drafts, tmp_path) -> Path:
    (row,) = partner.add_records([drafts("actor")])
    return write_json(tmp_path / "usa-record.json", signed(row))


def test_partners_add_then_list_shows_the_partner(gbr, partner, usa_jwks) -> None:
    added = gbr("partners", "add", "--agency", "USA", "--jwks", str(usa_jwks),
                "--url", PARTNER_URL)
    assert added.exit_code == 0, added.output
    (usa_kid,) = [key["kid"] for key in partner.jwks()["keys"]]
    assert gbr("partners", "list").stdout == f"USA\t{PARTNER_URL}\t{usa_kid}\n"


def test_partners_add_refuses_our_own_agency(gbr, usa_jwks) -> None:
    result = gbr("partners", "add", "--agency", "GBR", "--jwks", str(usa_jwks))
    assert result.exit_code == 1
    assert "own partner" in result.stderr


def test_a_partner_record_is_unknown_before_partners_add(gbr, usa_record) -> None:
    result = gbr("record", "verify", str(usa_record))
    assert result.exit_code == 1
    assert "verification failed: unknown_kid:" in result.stderr


def test_a_partner_record_verifies_after_partners_add(gbr, usa_jwks, usa_record) -> None:
    gbr("partners", "add", "--agency", "USA", "--jwks", str(usa_jwks), "--url", PARTNER_URL)
    result = gbr("record", "verify", str(usa_record))
    assert result.exit_code == 0, result.output
    assert " from USA " in result.stdout


def test_our_record_under_a_partner_kid_is_wrong_agency(gbr, partner, usa_jwks, tmp_path,
                                                        drafts) -> None:
    gbr("partners", "add", "--agency", "USA", "--jwks", str(usa_jwks))
    path = signed_file(gbr, tmp_path, drafts)
    document = json.loads(path.read_text(encoding="utf-8"))
    (usa_kid,) = [key["kid"] for key in partner.jwks()["keys"]]
    header = json.dumps({"alg": "Ed25519", "kid": usa_kid}).encode()
    document["jws"] = (f"{base64.urlsafe_b64encode(header).decode().rstrip('=')}.."
                       f"{document['jws'].split('.')[2]}")
    result = gbr("record", "verify", str(write_json(path, document)))
    assert result.exit_code == 1
    assert "verification failed: wrong_agency:" in result.stderr


# --- a real process, and PostgreSQL ----------------------------------------------------------


def test_console_script_initialises_a_node(tmp_path) -> None:
    script = Path(sys.executable).with_name("enforce-share")
    env = {name: value for name, value in os.environ.items() if name not in ENVIRONMENT}
    node_dir = tmp_path / "node"
    created = subprocess.run([str(script), "--data-dir", str(node_dir), "init", "--agency",
                              "NZL"], env=env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    exported = subprocess.run([str(script), "--data-dir", str(node_dir), "keys", "export"],
                              env=env, capture_output=True, text=True, timeout=60)
    assert exported.returncode == 0, exported.stderr
    (key,) = json.loads(exported.stdout)["keys"]
    assert f"signing key {key['kid']}" in created.stdout


@pytest.mark.slow  # two processes; the lock itself: tests/unit/sync/test_scheduler.py
def test_a_second_scheduler_process_of_one_node_exits(tmp_path) -> None:
    """Exactly one scheduler per node, however it is started."""
    script = Path(sys.executable).with_name("enforce-share")
    env = {name: value for name, value in os.environ.items() if name not in ENVIRONMENT}
    node_dir = tmp_path / "node"
    base = [str(script), "--data-dir", str(node_dir)]
    subprocess.run(base + ["init", "--agency", "AUS"], env=env, check=True, timeout=60,
                   capture_output=True)
    first = subprocess.Popen(base + ["scheduler"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        lock = node_dir / "scheduler.lock"
        deadline = time.monotonic() + 30
        while not (lock.exists() and lock.read_text()) and first.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lock.read_text() == str(first.pid)
        second = subprocess.run(base + ["scheduler"], env=env, capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 1
        assert "another scheduler runs" in second.stderr
        assert first.poll() is None  # the first one goes on
    finally:
        first.terminate()
        first.communicate(timeout=30)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_init_and_record_add_on_postgresql(cli, data_dir, tmp_path, drafts, database_url,
                                           monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert cli("init", "--agency", "CAN").exit_code == 0
    record_id = add_record(cli, tmp_path, drafts)
    assert not (data_dir / "node.db").exists()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, origin, seq FROM records "
                                              "ORDER BY seq")).all()
    finally:
        engine.dispose()
    assert [(row.origin, row.seq) for row in rows] == [("CAN", 1), ("CAN", 2)]
    assert rows[1].id == record_id


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_cli_commands_close_their_database_connections(cli, database_url, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert cli("init", "--agency", "CAN").exit_code == 0
    assert cli("keys", "export").exit_code == 0
    # A connection a command left open warns when collected; filterwarnings makes it an error.
    gc.collect()


def test_record_load_can_be_run_again(gbr, tmp_path) -> None:
    scenario = tmp_path / "scenario.jsonl"
    assert main_ok(gbr, "generate", "--records", "60", "--seed", "3", "--out", str(scenario))
    first = gbr("record", "load", str(scenario))
    assert first.exit_code == 0, first.output
    again = gbr("record", "load", str(scenario))
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("stored 0 records of GBR (")
    stored = int(first.stdout.split()[1])
    assert f"({stored} already held)" in again.stdout


def main_ok(cli, *args) -> bool:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return True


def test_a_database_that_cannot_be_reached_is_one_line(gbr, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = gbr("keys", "export")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: database:")
    assert len(result.stderr.strip().splitlines()) == 1
