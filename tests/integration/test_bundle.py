"""Offline bundles: export what a partner may see, import it with exactly the checks of a pull;
selection bundles (chosen records) verified, never imported."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from click.testing import CliRunner, Result
from joserfc.jwk import OKPKey
from jwcrypto.jwk import JWKSet
from jwcrypto.jws import JWS, InvalidJWSSignature
from sqlalchemy import func, select

from enforce_share.cli import main
from enforce_share.cli.bundle import bundle
from enforce_share.config import ENVIRONMENT
from enforce_share.errors import InvalidInput, VerificationError
from enforce_share.markings import releasable
from enforce_share.node import Node
from enforce_share.partners import add_partner
from enforce_share.records.models import Checkpoint, LogHead, Placeholder, Record
from enforce_share.signing import jws
from enforce_share.signing.models import TrustedKey
from enforce_share.signing.node_keys import NodeSigner, current_signer
from enforce_share.sync.bundle import export_bundle, export_selection, import_bundle
from enforce_share.sync.bundle_verify import verify_bundle
from enforce_share.sync.models import Quarantined, SyncState
from enforce_share.sync.puller import pull_origin

from ..conftest import fresh_schema, make_node, root_of

TO_AUS = {"tlp": "green", "releasable_to": ["GBR", "USA", "AUS"]}
NOT_AUS = {"tlp": "amber", "releasable_to": ["GBR", "USA"]}
RED = {"tlp": "red", "releasable_to": ["GBR", "USA", "AUS"]}

Cli = Callable[..., Result]


@dataclass
class LocalPeer:
    """A node's feed as ``requester`` would get it over HTTP, called in-process."""

    node: Node
    requester: str

    @property
    def agency(self) -> str:
        return self.node.agency

    def feed(self, origin: str, after: int, limit: int) -> dict[str, Any]:
        text, _ = self.node.feed(self.requester, origin, after, limit)
        return json.loads(text)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch) -> None:
    """No node settings leak in from the shell running the tests."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli() -> Cli:
    """``enforce-share --data-dir NODE_DIR ARGS...`` with the bundle group attached."""
    main.add_command(bundle)
    runner = CliRunner()

    def invoke(node: Node, *args: str) -> Result:
        return runner.invoke(main, ["--data-dir", str(node.config.data_dir), *args])

    return invoke


@pytest.fixture
def second_database_url(database_url: str) -> Iterator[str | None]:
    """Another empty database on the same backend: its own PostgreSQL schema (SQLite: None)."""
    if database_url.startswith("sqlite"):
        yield None
        return
    with fresh_schema(database_url.split("?", 1)[0]) as url:
        yield url


@pytest.fixture
def usa(tmp_path: Path, drafts) -> Iterator[Node]:
    """An origin whose log GBR relays: records for AUS, one not for AUS, one RED."""
    node = make_node(tmp_path / "usa", "USA")
    node.add_records([drafts("actor", TO_AUS), drafts("actor", NOT_AUS), drafts("case", RED),
                      drafts("violation", TO_AUS)])
    yield node
    node.close()


@pytest.fixture
def gbr(tmp_path: Path, database_url: str, drafts, usa: Node) -> Iterator[Node]:
    """The exporting node (SQLite and PostgreSQL): its own log and USA's, pulled."""
    node = make_node(tmp_path / "gbr", "GBR", database_url)
    node.add_records([drafts("actor", TO_AUS), drafts("violation", NOT_AUS),
                      drafts("procurement_trend", TO_AUS), drafts("actor", RED)])
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", usa.jwks(), None)
    assert pull_origin(node, LocalPeer(usa, "GBR"), "USA").error is None
    yield node
    node.close()


def new_aus(path: Path, gbr: Node, usa: Node, database_url: str | None = None) -> Node:
    """An AUS node trusting GBR and USA, known to GBR as a partner (so GBR may export to it)."""
    node = make_node(path, "AUS", database_url)
    with node.transaction() as session:
        add_partner(session, "AUS", "GBR", gbr.jwks(), None)
        add_partner(session, "AUS", "USA", usa.jwks(), None)
    with gbr.transaction() as session:
        add_partner(session, "GBR", "AUS", node.jwks(), None)
    return node


@pytest.fixture
def aus(tmp_path: Path, gbr: Node, usa: Node, second_database_url: str | None
        ) -> Iterator[Node]:
    """The air-gapped importing node (same backend as GBR)."""
    node = new_aus(tmp_path / "aus", gbr, usa, second_database_url)
    yield node
    node.close()


def export(cli: Cli, gbr: Node, path: Path, *options: str) -> Path:
    result = cli(gbr, "bundle", "export", "--for", "AUS", *options, str(path))
    assert result.exit_code == 0, result.output
    return path


def read_lines(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def holdings(node: Node) -> dict[str, Any]:
    """Everything a sync stores, in comparable form (other origins' logs only)."""
    with node.reading() as session:
        return {
            "records": set(session.execute(select(
                Record.origin, Record.seq, Record.id, Record.record_hash, Record.head
            ).where(Record.origin != node.agency)).all()),
            "placeholders": set(session.execute(select(
                Placeholder.origin, Placeholder.seq, Placeholder.record_hash, Placeholder.head
            )).all()),
            "checkpoints": set(session.execute(select(
                Checkpoint.origin, Checkpoint.seq, Checkpoint.head, Checkpoint.jws
            ).where(Checkpoint.origin != node.agency)).all()),
            "heads": set(session.execute(select(LogHead.origin, LogHead.seq, LogHead.head)
                                         .where(LogHead.origin != node.agency)).all()),
        }


def signer_of(node: Node, session: Any) -> NodeSigner:
    """The key ``node`` signs a bundle header with (its current one)."""
    return current_signer(session, node.agency, node.config.keys_dir)


def own_head(node: Node) -> tuple[str, int, str]:
    log = node.describe()["log"]
    return node.agency, log["seq"], log["head"]


def test_export_holds_exactly_what_is_released_to_the_partner(gbr, usa, aus) -> None:
    lines: list[dict[str, Any]] = []
    with gbr.reading() as session:
        export_bundle(session, "GBR", "AUS", {}, lines.append, signer=signer_of(gbr, session))
        rows = list(session.scalars(select(Record)))
        holes = set(session.execute(select(Placeholder.origin, Placeholder.seq)).all())
    header, pages = lines[0]["header"], lines[1:]
    assert header == {"bundle": "enforce-share/2", "from": "GBR", "for": "AUS",
                      "created": header["created"], "since": {}}
    full = {entry["record"]["id"] for page in pages for entry in page["entries"]
            if "record" in entry}
    held_back = {(entry["origin"], entry["seq"]) for page in pages
                 for entry in page["entries"] if "hash" in entry}
    assert full == {row.id for row in rows if releasable(row.tlp, row.releasable_to, "AUS")}
    assert held_back == holes | {(row.origin, row.seq) for row in rows
                                 if not releasable(row.tlp, row.releasable_to, "AUS")}
    assert ("USA", 4) in holes  # USA's RED record: GBR never held it, AUS gets the hash only
    for node in (gbr, usa):
        seqs = [entry["record"]["seq"] if "record" in entry else entry["seq"]
                for page in pages if page["origin"] == node.agency for entry in page["entries"]]
        assert seqs == list(range(1, node.describe()["log"]["seq"] + 1)), node.agency


def test_import_gives_what_a_pull_gives(cli, tmp_path, gbr, usa, aus) -> None:
    result = cli(aus, "bundle", "import", str(export(cli, gbr, tmp_path / "gbr.jsonl")))
    assert result.exit_code == 0, result.output
    pulled = new_aus(tmp_path / "aus-pulled", gbr, usa)
    for origin in ("GBR", "USA"):
        assert pull_origin(pulled, LocalPeer(gbr, "AUS"), origin).error is None
    imported = holdings(aus)
    assert imported == holdings(pulled)
    assert imported["heads"] == {own_head(gbr), own_head(usa)}
    assert imported["records"] and imported["placeholders"]
    pulled.close()


def test_importing_twice_changes_nothing(cli, tmp_path, gbr, aus) -> None:
    path = export(cli, gbr, tmp_path / "gbr.jsonl")
    assert cli(aus, "bundle", "import", str(path)).exit_code == 0
    before = holdings(aus)
    with aus.reading() as session:
        states = set(session.execute(select(SyncState.peer, SyncState.origin,
                                            SyncState.last_success)).all())
    result = cli(aus, "bundle", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "+0 records, +0 placeholders" in result.output
    assert holdings(aus) == before
    with aus.reading() as session:
        assert set(session.execute(select(SyncState.peer, SyncState.origin,
                                          SyncState.last_success)).all()) == states


def test_a_tampered_record_is_quarantined_and_its_page_not_stored(cli, tmp_path, gbr,
                                                                  aus) -> None:
    lines = read_lines(export(cli, gbr, tmp_path / "gbr.jsonl"))
    (page,) = [line for line in lines[1:] if line.get("origin") == "GBR"]
    entry = next(e for e in page["entries"] if e.get("record", {}).get("seq", 0) > 2)
    entry["record"]["body"]["title" if "title" in entry["record"]["body"] else "name"] += "."
    path = tmp_path / "tampered.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = cli(aus, "bundle", "import", str(path))
    assert result.exit_code == 1
    assert "bad_signature" in result.output
    with aus.reading() as session:
        assert session.scalar(select(func.count()).select_from(Record).where(
            Record.origin == "GBR")) == 0
        assert session.scalar(select(func.count()).select_from(Placeholder).where(
            Placeholder.origin == "GBR")) == 0
        quarantined = session.scalars(select(Quarantined)).one()
    assert (quarantined.peer, quarantined.origin, quarantined.seq, quarantined.reason) == (
        "GBR", "GBR", entry["record"]["seq"], "bad_signature")


def test_a_bundle_line_holding_a_number_too_long_is_refused_in_one_line(cli, tmp_path, gbr,
                                                                         aus) -> None:
    lines = read_lines(export(cli, gbr, tmp_path / "gbr.jsonl"))
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines)
                    + '{"n": ' + "7" * 5000 + "}\n", encoding="utf-8")
    before = holdings(aus)
    result = cli(aus, "bundle", "import", str(path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {path}:{len(lines) + 1}: not JSON"]
    assert holdings(aus) == before


def test_a_bundle_for_another_agency_is_refused(cli, tmp_path, gbr, aus) -> None:
    path = tmp_path / "for-usa.jsonl"
    assert cli(gbr, "bundle", "export", "--for", "USA", str(path)).exit_code == 0
    before = holdings(aus)
    result = cli(aus, "bundle", "import", str(path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: this bundle is for USA, not for this node (AUS): ask GBR for one exported "
        "--for AUS"]
    assert holdings(aus) == before


def test_gzip_round_trip(cli, tmp_path, gbr, aus) -> None:
    plain = read_lines(export(cli, gbr, tmp_path / "gbr.jsonl"))
    packed = export(cli, gbr, tmp_path / "gbr.jsonl.gz")
    assert packed.read_bytes()[:2] == b"\x1f\x8b"
    assert [line for line in read_lines(packed) if "entries" in line] == [
        line for line in plain if "entries" in line]
    result = cli(aus, "bundle", "import", str(packed))
    assert result.exit_code == 0, result.output
    ids = {entry["record"]["id"] for line in plain if "entries" in line
           for entry in line["entries"] if "record" in entry}
    with aus.reading() as session:
        assert set(session.scalars(select(Record.id).where(Record.origin != "AUS"))) == ids


def test_since_exports_later_seqs_and_imports_after_the_earlier_bundle(
        cli, tmp_path, drafts, gbr, usa, aus) -> None:
    first = export(cli, gbr, tmp_path / "first.jsonl")
    gbr_seq, usa_seq = gbr.describe()["log"]["seq"], usa.describe()["log"]["seq"]
    gbr.add_records([drafts("actor", TO_AUS), drafts("case", NOT_AUS)])
    later = export(cli, gbr, tmp_path / "later.jsonl", "--since", f"GBR={gbr_seq},usa={usa_seq}")
    seqs = {(line["origin"], entry["record"]["seq"] if "record" in entry else entry["seq"])
            for line in read_lines(later)[1:] for entry in line["entries"]}
    assert seqs == {("GBR", gbr_seq + 1), ("GBR", gbr_seq + 2)}
    for path in (first, later):
        result = cli(aus, "bundle", "import", str(path))
        assert result.exit_code == 0, result.output
    assert holdings(aus)["heads"] == {own_head(gbr), own_head(usa)}


def test_a_later_bundle_without_the_earlier_one_stores_and_blames_nothing(
        cli, tmp_path, gbr, aus) -> None:
    later = export(cli, gbr, tmp_path / "later.jsonl", "--since", "GBR=2")
    result = cli(aus, "bundle", "import", str(later))
    assert result.exit_code == 1
    assert "starts at seq 3 but this node holds up to 0" in result.output
    with aus.reading() as session:
        assert session.scalar(select(func.count()).select_from(Record).where(
            Record.origin == "GBR")) == 0
        assert session.scalar(select(func.count()).select_from(Quarantined)) == 0
    first = export(cli, gbr, tmp_path / "first.jsonl")
    assert cli(aus, "bundle", "import", str(first)).exit_code == 0


def test_the_bundle_file_is_owner_only(cli, tmp_path, gbr, aus) -> None:
    path = export(cli, gbr, tmp_path / "gbr.jsonl.gz")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


# --- a selection of records (the companion bundle of a brief) ---------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jose_check(token: str, payload: bytes, keys: JWKSet) -> None:
    """RFC 7515 appendix F: put the payload back in the detached JWS and verify it, with
    jwcrypto, by the key its header names (InvalidJWSSignature if it does not verify)."""
    protected, _, signature = token.split(".")
    kid = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))["kid"]
    verifier = JWS()
    verifier.allowed_algs = ["Ed25519"]
    verifier.deserialize(f"{protected}.{_b64url(payload)}.{signature}", keys.get_key(kid))


def jose_verified(lines: list[dict[str, Any]], jwks: Callable[[str], dict[str, Any]]
                  ) -> dict[str, list[str]]:
    """Check a bundle as a recipient without enforce-share would, from the origins' published
    JWK Sets: the header's signature by its exporter and every record's, each over its RFC
    8785 bytes; each origin's hash chain from the zero head over the entries' stubs (a
    placeholder is one; a record's is its origin, seq, id, hash and marking), and the signed
    checkpoint it must reach. Returns the verified record ids per origin; raises (or fails an
    assert) on anything wrong."""
    header = lines[0]["header"]
    _jose_check(lines[0]["jws"], rfc8785.dumps(header),
                JWKSet.from_json(json.dumps(jwks(header["from"]))))
    chains: dict[str, tuple[str, int, dict[str, Any]]] = {}
    verified: dict[str, list[str]] = {}
    for page in lines[1:]:
        origin = page["origin"]
        keys = JWKSet.from_json(json.dumps(jwks(origin)))
        head, seq, _ = chains.get(origin, ("0" * 64, 0, {}))
        for entry in page["entries"]:
            if "record" in entry:
                record = entry["record"]
                payload = rfc8785.dumps(record)
                _jose_check(entry["jws"], payload, keys)
                stub = {"origin": record["origin"], "seq": record["seq"], "id": record["id"],
                        "hash": hashlib.sha256(payload).hexdigest(), "marking": record["marking"]}
                verified.setdefault(origin, []).append(record["id"])
            else:
                stub = entry
            claimed, digest = stub["seq"], hashlib.sha256(rfc8785.dumps(stub)).hexdigest()
            assert claimed == seq + 1, (origin, claimed, seq)
            head, seq = hashlib.sha256(bytes.fromhex(head) + bytes.fromhex(digest)).hexdigest(), \
                seq + 1
        statement = page["checkpoint"]["checkpoint"]
        _jose_check(page["checkpoint"]["jws"], rfc8785.dumps(statement), keys)
        chains[origin] = (head, seq, statement)
    for origin, (head, seq, statement) in chains.items():
        assert (statement["origin"], statement["seq"], statement["head"]) == (origin, seq, head)
    return verified


def published(*nodes: Node) -> Callable[[str], dict[str, Any]]:
    """Each origin's JWK Set as its node publishes it (/.well-known/enforce-share/jwks.json)."""
    return lambda origin: next(node for node in nodes if node.agency == origin).jwks()


@pytest.fixture
def chosen(gbr: Node) -> dict[str, Record]:
    """GBR's records (and the USA records it pulled) by what they are, for selections."""
    with gbr.reading() as session:
        rows = list(session.scalars(select(Record).where(Record.type != "key")
                                    .order_by(Record.origin, Record.seq)))
    return {f"{row.origin} {row.type} {row.tlp}": row for row in rows}


def test_a_selection_holds_only_the_chosen_records_and_verifies_without_a_node(
        gbr, usa, chosen) -> None:
    picked = [chosen["GBR actor green"].id, chosen["USA violation green"].id]
    lines: list[dict[str, Any]] = []
    with gbr.reading() as session:
        selection = export_selection(session, "GBR", "AUS", picked, lines.append,
                                     signer=signer_of(gbr, session))
    header, pages = lines[0]["header"], lines[1:]
    assert (header["bundle"], header["from"], header["for"], header["since"]) == (
        "enforce-share-selection/2", "GBR", "AUS", {})
    assert selection.withheld == {} and sorted(selection.written) == sorted(picked)
    full = [entry["record"]["id"] for page in pages for entry in page["entries"]
            if "record" in entry]
    assert sorted(full) == sorted(picked)
    assert [(span.origin, span.last, span.records) for span in selection.spans] == [
        ("GBR", 5, 1), ("USA", 5, 1)]
    verified = jose_verified(lines, published(gbr, usa))
    assert verified == {"GBR": [picked[0]], "USA": [picked[1]]}


def test_a_tampered_selection_fails_the_standard_check(gbr, usa, chosen) -> None:
    lines: list[dict[str, Any]] = []
    with gbr.reading() as session:
        export_selection(session, "GBR", "AUS", [chosen["GBR actor green"].id], lines.append,
                         signer=signer_of(gbr, session))
    entry = next(e for e in lines[1]["entries"] if "record" in e)
    name = entry["record"]["body"]["name"]
    entry["record"]["body"]["name"] = "Someone Else Ltd"
    with pytest.raises(InvalidJWSSignature):
        jose_verified(lines, published(gbr, usa))
    entry["record"]["body"]["name"] = name
    jose_verified(lines, published(gbr, usa))  # the control: as written, it verifies
    next(e for e in lines[1]["entries"] if "hash" in e)["hash"] = "0" * 64
    with pytest.raises(AssertionError):  # a hidden entry changed: the chain misses the head
        jose_verified(lines, published(gbr, usa))


def test_records_the_recipient_may_not_see_are_withheld(gbr, chosen) -> None:
    not_aus, red = chosen["GBR violation amber"].id, chosen["GBR actor red"].id
    unknown = "4f0b8f7e-1111-4222-8333-944445555666"
    lines: list[dict[str, Any]] = []
    with gbr.reading() as session:
        selection = export_selection(session, "GBR", "AUS", [not_aus, red, unknown],
                                     lines.append, signer=signer_of(gbr, session))
    assert selection.withheld == {not_aus: "not released to AUS", red: "not released to AUS",
                                  unknown: "not held"}
    assert selection.written == [] and selection.spans == [] and len(lines) == 1
    with gbr.reading() as session:  # for its own agency's use, GBR's RED record goes in full
        own = export_selection(session, "GBR", "GBR", [red], lambda line: None,
                               signer=signer_of(gbr, session))
    assert own.written == [red]
    with gbr.reading() as session, pytest.raises(InvalidInput) as refused:
        export_selection(session, "GBR", "XYZ", [red], lambda line: None,
                         signer=signer_of(gbr, session))
    assert "for" in refused.value.fields


def test_a_selection_is_written_byte_for_byte_again(gbr, chosen) -> None:
    def written() -> bytes:
        lines: list[dict[str, Any]] = []
        with gbr.reading() as session:
            export_selection(session, "GBR", "USA", [row.id for row in chosen.values()],
                             lines.append, created="2099-11-01T00:00:00.000000Z", limit=2,
                             signer=signer_of(gbr, session))
        return json.dumps(lines).encode()

    first = written()
    assert first == written() and b'"created": "2099-11-01T00:00:00.000000Z"' in first
    pages = json.loads(first)[1:]
    assert [len(page["entries"]) for page in pages] == [2, 2, 1, 2, 2, 1]  # 5 a log, by 2
    assert [page["next"] for page in pages] == [2, 4, None, 2, 4, None]


# --- a selection is evidence: verified, never imported ----------------------------------------


def selection_of(gbr: Node, recipient: str, record_ids: list[str]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    with gbr.reading() as session:
        export_selection(session, "GBR", recipient, record_ids, lines.append,
                         signer=signer_of(gbr, session))
    return lines


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def picked(chosen: dict[str, Record]) -> list[str]:
    """Two of GBR's records and one of USA's, all released to AUS."""
    return [chosen["GBR actor green"].id, chosen["GBR procurement_trend green"].id,
            chosen["USA violation green"].id]


def test_import_refuses_a_selection_and_a_later_pull_gets_every_released_record(
        gbr, usa, aus, picked) -> None:
    empty = holdings(aus)
    with pytest.raises(InvalidInput) as refused:
        import_bundle(aus, selection_of(gbr, "AUS", picked))
    assert "selection bundle" in refused.value.message
    assert "`enforce-share bundle verify FILE`" in refused.value.message
    assert holdings(aus) == empty
    for origin in ("GBR", "USA"):
        assert pull_origin(aus, LocalPeer(gbr, "AUS"), origin).error is None
    with gbr.reading() as session:
        released = {row.id for row in session.scalars(select(Record).where(
            Record.origin.in_(["GBR", "USA"]))) if releasable(row.tlp, row.releasable_to, "AUS")}
    held = holdings(aus)
    assert set(picked) < released  # the selection left out records released to AUS ...
    assert {record_id for _, _, record_id, _, _ in held["records"]} == released  # ... not lost
    assert held["heads"] == {own_head(gbr), own_head(usa)}


def test_the_import_command_refuses_a_selection_in_one_line(cli, tmp_path, gbr, aus,
                                                            picked) -> None:
    path = write_lines(tmp_path / "brief.jsonl", selection_of(gbr, "AUS", picked))
    empty = holdings(aus)
    result = cli(aus, "bundle", "import", str(path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: this is a selection bundle (chosen records, the rest as hashes): evidence to "
        "check with `enforce-share bundle verify FILE`, not a log to import; for the logs "
        "themselves pull from GBR or ask it for `enforce-share bundle export --for AUS`"]
    assert holdings(aus) == empty


def test_verify_passes_on_an_honest_selection_and_stores_nothing(cli, tmp_path, gbr, aus,
                                                                 picked) -> None:
    lines = selection_of(gbr, "AUS", picked)
    empty = holdings(aus)
    result = cli(aus, "bundle", "verify", str(write_lines(tmp_path / "brief.jsonl", lines)))
    assert result.exit_code == 0, result.output
    created, kid = lines[0]["header"]["created"], jws.header(lines[0]["jws"])["kid"]
    assert result.output.splitlines() == [
        "GBR: 2 records verified, 3 placeholders, seqs 1-5; the chain reaches the signed "
        "checkpoint at seq 5",
        "USA: 1 record verified, 4 placeholders, seqs 1-5; the chain reaches the signed "
        "checkpoint at seq 5",
        f"header: signed by GBR's key {kid}, not retired, created {created}",
        "verified: selection bundle (evidence only: `bundle import` refuses it) from GBR for "
        f"AUS, created {created}"]
    assert holdings(aus) == empty


def _edit_a_record(lines: list[dict[str, Any]]) -> None:
    entry = next(entry for entry in lines[1]["entries"] if "record" in entry)
    entry["record"]["body"]["name"] = "Someone Else Ltd"


def _zero_a_placeholder(lines: list[dict[str, Any]]) -> None:
    next(entry for entry in lines[1]["entries"] if "hash" in entry)["hash"] = "0" * 64


def _sign_the_checkpoint_with_an_unknown_key(lines: list[dict[str, Any]]) -> None:
    key = OKPKey.generate_key("Ed25519")
    for page in lines[1:]:
        if page["origin"] == "USA":
            signed = page["checkpoint"]
            signed["jws"] = jws.sign(jws.canonical(signed["checkpoint"]), key, key.thumbprint())


@pytest.mark.parametrize(("tamper", "reason"), [
    (_edit_a_record, "bad_signature: signature does not match the bytes"),
    (_zero_a_placeholder, "chain_mismatch: GBR's chain at seq 5 does not reach the head its "
                          "checkpoint signs"),
    (_sign_the_checkpoint_with_an_unknown_key, "unknown_kid: no trusted key"),
])
def test_verify_fails_with_the_reason(cli, tmp_path, gbr, aus, picked, tamper, reason) -> None:
    lines = selection_of(gbr, "AUS", picked)
    assert cli(aus, "bundle", "verify", str(write_lines(tmp_path / "honest.jsonl", lines))
               ).exit_code == 0
    tamper(lines)
    result = cli(aus, "bundle", "verify", str(write_lines(tmp_path / "tampered.jsonl", lines)))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"verification failed: {reason}"), line


def test_verify_checks_an_exchange_bundle_before_import(cli, tmp_path, drafts, gbr, usa,
                                                        aus) -> None:
    first = export(cli, gbr, tmp_path / "first.jsonl")
    result = cli(aus, "bundle", "verify", str(first))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith(
        "verified: exchange bundle from GBR for AUS, created ")
    assert "GBR: 3 records verified, 2 placeholders, seqs 1-5;" in result.output
    gbr_seq, usa_seq = gbr.describe()["log"]["seq"], usa.describe()["log"]["seq"]
    gbr.add_records([drafts("actor", TO_AUS), drafts("case", NOT_AUS)])
    later = export(cli, gbr, tmp_path / "later.jsonl", "--since", f"GBR={gbr_seq},USA={usa_seq}")
    result = cli(aus, "bundle", "verify", str(later))  # its chain starts at a head not held
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "verification failed: unanchored: GBR's entries start at seq 6 and this node holds no "
        "head at seq 5: import the earlier bundle first"]
    assert cli(aus, "bundle", "import", str(first)).exit_code == 0
    result = cli(aus, "bundle", "verify", str(later))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "GBR: 1 record verified, 1 placeholder, seqs 6-7; the chain reaches the signed "
        "checkpoint at seq 7",
        "USA: no entries; signed checkpoint at seq 5 verified"]


def test_verify_follows_a_key_the_bundle_announces_and_keeps_nothing(cli, tmp_path, drafts,
                                                                    gbr, aus) -> None:
    _, new_kid = gbr.rotate_key(root_of(gbr))  # seq 6: root version 2, retiring the old key
    gbr.add_records([drafts("actor", TO_AUS)])  # seq 7, and the checkpoint, signed with it
    path = export(cli, gbr, tmp_path / "rotated.jsonl")
    with aus.reading() as session:
        trusted = set(session.execute(select(TrustedKey.kid, TrustedKey.until_seq)).all())
    assert new_kid not in {kid for kid, _ in trusted}
    empty = holdings(aus)
    result = cli(aus, "bundle", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert "GBR: 5 records verified, 2 placeholders, seqs 1-7;" in result.output
    with aus.reading() as session:
        assert set(session.execute(select(TrustedKey.kid, TrustedKey.until_seq)).all()
                   ) == trusted
    assert holdings(aus) == empty


def test_verify_fails_on_a_selection_cut_short_of_its_checkpoint(gbr, aus, picked) -> None:
    lines: list[dict[str, Any]] = []
    with gbr.reading() as session:
        export_selection(session, "GBR", "AUS", picked, lines.append, limit=2,
                         signer=signer_of(gbr, session))
    with aus.reading() as session:
        assert [log.last for log in verify_bundle(session, lines).logs] == [5, 5]
    cut = [line for line in lines if line.get("origin") != "GBR" or line["next"] is not None]
    with aus.reading() as session, pytest.raises(VerificationError) as failed:
        verify_bundle(session, cut)
    assert failed.value.message == (
        "short_of_checkpoint: GBR's entries end at seq 4, before its checkpoint at seq 5: the "
        "chain cannot be checked against it")


def test_import_follows_a_key_rotation_whose_checkpoint_the_new_key_signs(cli, tmp_path, drafts,
                                                                         gbr, aus) -> None:
    """The page that announces a new key carries a checkpoint signed with it: the entries
    are applied first, then the checkpoint verified, in one transaction."""
    _, new_kid = gbr.rotate_key(root_of(gbr))
    gbr.add_records([drafts("actor", TO_AUS)])
    path = export(cli, gbr, tmp_path / "rotated.jsonl")
    result = cli(aus, "bundle", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "[" not in result.output  # no origin reported an error
    with aus.reading() as session:
        assert new_kid in set(session.scalars(select(TrustedKey.kid)))
        assert session.get(LogHead, "GBR").seq == gbr.describe()["log"]["seq"]
