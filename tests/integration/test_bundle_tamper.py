"""Altered bundles: the header is signed by its exporter and every full record must be
released to the importer; each defence attacked, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import OKPKey
from sqlalchemy import func, select

from enforce_share.clock import parse_timestamp, timestamp
from enforce_share.errors import InvalidInput
from enforce_share.node import Node
from enforce_share.records.entries import record_stub
from enforce_share.records.models import Record
from enforce_share.signing import jws
from enforce_share.signing.keys import load_private_key
from enforce_share.signing.node_keys import NodeSigner
from enforce_share.sync.bundle import export_bundle, export_selection, import_bundle
from enforce_share.sync.bundle_verify import verify_bundle
from enforce_share.sync.models import Quarantined
from enforce_share.sync.puller import sync_round

from ..conftest import postgresql_is_slow, root_of
from ..promise import LocalPeer as FeedOf
from . import test_bundle
from .test_bundle import Cli, holdings, signer_of, write_lines

# The nodes of test_bundle (USA, GBR relaying it, an air-gapped AUS) and its CLI runner, as
# fixtures of this module too (assigned, not imported: parameters of these names use them).
usa, gbr, aus, second_database_url = (test_bundle.usa, test_bundle.gbr, test_bundle.aus,
                                      test_bundle.second_database_url)
cli, clean_environment = test_bundle.cli, test_bundle.clean_environment

Lines = list[dict[str, Any]]


def exported(node: Node, recipient: str = "AUS", since: dict[str, int] | None = None) -> Lines:
    """An honest exchange bundle of ``node`` for ``recipient``, as lines."""
    lines: Lines = []
    with node.reading() as session:
        export_bundle(session, node.agency, recipient, since or {}, lines.append,
                      signer=signer_of(node, session))
    return lines


def resign(lines: Lines, signer: Any) -> None:
    """Sign the (possibly changed) header again with ``signer``."""
    lines[0]["jws"] = signer.sign(jws.canonical(lines[0]["header"]))


def full_entry(node: Node, origin: str, seq: int) -> dict[str, Any]:
    """The signed record ``{record, jws}`` that ``node`` holds at ``origin``'s ``seq``."""
    with node.reading() as session:
        row = session.scalars(select(Record).where(Record.origin == origin,
                                                   Record.seq == seq)).one()
        return {"record": json.loads(row.canonical), "jws": row.jws}


def entry_at(lines: Lines, origin: str, seq: int) -> tuple[int, dict[str, Any], int]:
    """(line number, page, index in its entries) of ``origin``'s ``seq`` in a bundle."""
    for number, page in enumerate(lines[1:], 2):
        if page["origin"] != origin:
            continue
        for index, entry in enumerate(page["entries"]):
            claimed = entry["record"]["seq"] if "record" in entry else entry["seq"]
            if claimed == seq:
                return number, page, index
    raise AssertionError(f"{origin} seq {seq} not in the bundle")


def assert_nothing_stored(node: Node, before: dict[str, Any]) -> None:
    assert holdings(node) == before
    with node.reading() as session:
        assert session.scalar(select(func.count()).select_from(Quarantined)) == 0


def refused(cli: Cli, node: Node, path: Path, command: str = "import") -> str:
    """The one line a refused ``bundle import`` (or ``verify``) prints."""
    result = cli(node, "bundle", command, str(path))
    assert result.exit_code == 1, result.output
    (line,) = result.output.strip().splitlines()
    return line


# --- the header is signed -----------------------------------------------------------------


def _relabel_for(lines: Lines) -> None:
    lines[0]["header"]["for"] = "AUS"  # the bundle was made for USA


def _move_created(lines: Lines) -> None:
    created = parse_timestamp(lines[0]["header"]["created"])
    lines[0]["header"]["created"] = timestamp(created + timedelta(hours=1))


def _add_since(lines: Lines) -> None:
    lines[0]["header"]["since"]["NZL"] = 7  # no NZL page: only the signature can tell


def _claim_another_exporter(lines: Lines) -> None:
    lines[0]["header"]["from"] = "USA"  # a partner of AUS too


HEADER_FIELDS = [
    pytest.param(_relabel_for, "USA", "bad_signature", "signature does not match the bytes",
                 id="for"),
    pytest.param(_move_created, "AUS", "bad_signature", "signature does not match the bytes",
                 id="created"),
    pytest.param(_add_since, "AUS", "bad_signature", "signature does not match the bytes",
                 id="since"),
    pytest.param(_claim_another_exporter, "AUS", "wrong_agency", "belongs to GBR, not USA",
                 id="from"),
]


# A header is refused before anything is stored: on PostgreSQL in the slow suite.
@postgresql_is_slow
@pytest.mark.parametrize(("tamper", "made_for", "reason", "detail"), HEADER_FIELDS)
def test_a_changed_header_field_is_refused_and_nothing_stored(
        cli, tmp_path, gbr, aus, tamper, made_for, reason, detail) -> None:
    lines = exported(gbr, made_for)
    tamper(lines)
    path = write_lines(tmp_path / "tampered.jsonl", lines)
    before = holdings(aus)
    header = lines[0]["header"]
    for command in ("import", "verify"):
        line = refused(cli, aus, path, command)
        assert line.startswith(f"verification failed: {reason}: bundle header (from "
                               f"{header['from']}, for AUS, created {header['created']}): ")
        assert detail in line
    assert_nothing_stored(aus, before)


def test_a_selection_relabelled_as_an_exchange_bundle_is_refused(cli, tmp_path, gbr,
                                                                 aus) -> None:
    """Its placeholders would read as 'not released' and be lost: the old way to lose them."""
    lines: Lines = []
    with gbr.reading() as session:
        ids = list(session.scalars(select(Record.id).where(Record.origin == "GBR",
                                                           Record.type == "actor")))
        export_selection(session, "GBR", "AUS", ids, lines.append,
                         signer=signer_of(gbr, session))
    lines[0]["header"]["bundle"] = "enforce-share/2"
    before = holdings(aus)
    line = refused(cli, aus, write_lines(tmp_path / "relabelled.jsonl", lines))
    assert line.startswith("verification failed: bad_signature: bundle header (from GBR")
    assert_nothing_stored(aus, before)


def test_a_selection_keeps_the_time_it_is_given(gbr, aus) -> None:
    """A brief's time is cut to the second (or given), written as given: a key signs what
    its agency says now, whatever the date says, while its root has not retired it."""
    lines: Lines = []
    with gbr.reading() as session:
        signer = signer_of(gbr, session)
        export_selection(session, "GBR", "AUS", [], lines.append, signer=signer,
                         created="2020-01-01T00:00:00Z")
    assert lines[0]["header"]["created"] == "2020-01-01T00:00:00Z"
    with aus.reading() as session:
        assert verify_bundle(session, lines).header.kid == signer.kid


def _unknown_key(gbr: Node, usa: Node) -> NodeSigner:
    key = OKPKey.generate_key("Ed25519")
    return NodeSigner(key.thumbprint(), key)


def _usa_key(gbr: Node, usa: Node) -> NodeSigner:
    with usa.reading() as session:
        return signer_of(usa, session)


def _revoked_gbr_key(gbr: Node, usa: Node) -> NodeSigner:
    old_kid, _ = gbr.rotate_key(root_of(gbr))  # the bundle's root record retires the old key
    return NodeSigner(old_kid, load_private_key(gbr.config.keys_dir, old_kid))


@postgresql_is_slow  # refused at the header, as above
@pytest.mark.parametrize(("key_of", "reason"), [
    pytest.param(_unknown_key, "unknown_kid", id="unknown"),
    pytest.param(_usa_key, "wrong_agency", id="another-partner"),
    pytest.param(_revoked_gbr_key, "key_retired", id="retired"),
])
def test_a_header_signed_by_a_key_not_of_from_is_refused(
        cli, tmp_path, gbr, usa, aus, key_of: Callable[[Node, Node], NodeSigner],
        reason: str) -> None:
    signer = key_of(gbr, usa)
    lines = exported(gbr)
    resign(lines, signer)  # the statement as GBR wrote it, signed by a key GBR may not use
    path = write_lines(tmp_path / "resigned.jsonl", lines)
    before = holdings(aus)
    for command in ("import", "verify"):
        line = refused(cli, aus, path, command)
        assert line.startswith(f"verification failed: {reason}: bundle header (from GBR, "
                               "for AUS, created "), line
    assert_nothing_stored(aus, before)


def test_a_header_signed_by_the_key_the_bundle_announces_imports(cli, tmp_path, drafts, gbr,
                                                                aus) -> None:
    """The control of the revoked case: GBR's new key, learned from GBR's own log in the
    bundle, signs the header of a bundle made after the rotation."""
    _, new_kid = gbr.rotate_key(root_of(gbr))
    lines = exported(gbr)
    assert jws.header(lines[0]["jws"])["kid"] == new_kid
    path = write_lines(tmp_path / "rotated.jsonl", lines)
    result = cli(aus, "bundle", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert f"header: signed by GBR's key {new_kid}, not retired, created " in result.output
    result = cli(aus, "bundle", "import", str(path))
    assert result.exit_code == 0, result.output


def test_the_bundle_for_another_agency_is_refused_before_its_signature(cli, tmp_path, gbr,
                                                                      aus) -> None:
    before = holdings(aus)
    line = refused(cli, aus, write_lines(tmp_path / "for-usa.jsonl", exported(gbr, "USA")))
    assert line == ("error: this bundle is for USA, not for this node (AUS): ask GBR for one "
                    "exported --for AUS")
    assert_nothing_stored(aus, before)


# --- since: where each log starts ---------------------------------------------------------


def test_the_signed_since_is_reported_and_held_to(cli, tmp_path, drafts, gbr, usa,
                                                  aus) -> None:
    assert cli(aus, "bundle", "import", str(write_lines(tmp_path / "first.jsonl",
                                                         exported(gbr)))).exit_code == 0
    since = {"GBR": gbr.describe()["log"]["seq"], "USA": usa.describe()["log"]["seq"]}
    gbr.add_records([drafts("actor", {"tlp": "green", "releasable_to": ["GBR", "AUS"]}),
                     drafts("actor", {"tlp": "green", "releasable_to": ["GBR", "AUS"]})])
    lines = exported(gbr, since=since)
    assert lines[0]["header"]["since"] == since
    result = cli(aus, "bundle", "verify", str(write_lines(tmp_path / "later.jsonl", lines)))
    assert result.exit_code == 0, result.output
    assert (f"header: signed by GBR's key {jws.header(lines[0]['jws'])['kid']}, not retired, "
            f"created {lines[0]['header']['created']}; since GBR={since['GBR']},USA={since['USA']}"
            ) in result.output.splitlines()
    number, page, _ = entry_at(lines, "GBR", since["GBR"] + 1)
    del page["entries"][0]  # the first new entry dropped: the log would start one seq later
    before = holdings(aus)
    line = refused(cli, aus, write_lines(tmp_path / "cut.jsonl", lines))
    assert line == (f"error: line {number}: GBR's entries start at seq {since['GBR'] + 2}, "
                    f"but the signed header says since GBR={since['GBR']}")
    assert_nothing_stored(aus, before)


# --- every full record is released to the importer ----------------------------------------


@pytest.mark.parametrize(("origin", "seq", "line_number"), [
    pytest.param("GBR", 3, 2, id="exporter's-own"),  # GBR's violation, NOT_AUS
    pytest.param("USA", 3, 3, id="relayed"),  # USA's actor, NOT_AUS, on the page after GBR's
])
def test_a_full_record_not_released_to_the_importer_refuses_the_whole_bundle(
        cli, tmp_path, gbr, aus, origin, seq, line_number) -> None:
    """A dishonest exporter puts in a record it holds but may not give AUS, in place of its
    placeholder, and signs the header correctly: the bundle is refused, nothing stored
    (not even the pages before that line)."""
    lines = exported(gbr)
    number, page, index = entry_at(lines, origin, seq)
    assert number == line_number and "record" not in page["entries"][index]
    page["entries"][index] = full_entry(gbr, origin, seq)
    with gbr.reading() as session:
        resign(lines, signer_of(gbr, session))  # unchanged header, honestly signed again
    before = holdings(aus)
    line = refused(cli, aus, write_lines(tmp_path / "dishonest.jsonl", lines))
    assert line == (f"error: line {line_number}: {origin} seq {seq} is a full record not "
                    "released to AUS (marked 'amber', releasable to ['GBR', 'USA']): the "
                    "bundle from GBR is refused, nothing stored")
    assert_nothing_stored(aus, before)
    with pytest.raises(InvalidInput, match=f"line {line_number}: {origin} seq {seq}"):
        import_bundle(aus, iter(lines))  # a one-shot iterator is checked whole too
    assert_nothing_stored(aus, before)


# --- version 1 bundles, whose header was not signed ---------------------------------------


@postgresql_is_slow  # refused at the header
@pytest.mark.parametrize("old", ["enforce-share/1", "enforce-share-selection/1"])
def test_old_format_names_are_refused(cli, tmp_path, gbr, aus, old) -> None:
    lines = exported(gbr)
    header = lines[0]["header"]
    lines[0] = {"bundle": old, "from": "GBR", "for": "AUS", "created": header["created"]}
    path = write_lines(tmp_path / "v1.jsonl", lines)
    before = holdings(aus)
    for command in ("import", "verify"):
        assert refused(cli, aus, path, command) == (
            f"error: this is an {old} bundle, whose header is not signed: this node reads "
            "enforce-share/2 and enforce-share-selection/2 only; ask GBR to export it again")
    assert_nothing_stored(aus, before)


@postgresql_is_slow  # refused at the header
def test_an_unsigned_header_of_the_new_format_is_refused(cli, tmp_path, gbr, aus) -> None:
    lines = exported(gbr)
    lines[0] = lines[0]["header"]  # the statement without its signature
    before = holdings(aus)
    assert refused(cli, aus, write_lines(tmp_path / "bare.jsonl", lines)) == (
        "error: not an enforce-share/2 or enforce-share-selection/2 bundle: the first line "
        'must be {"header": {"bundle", "from", "for", "created", "since"}, "jws"}')
    assert_nothing_stored(aus, before)


# --- a full record replaced by its placeholder ---------------------------------------------


def test_a_record_replaced_by_its_placeholder_still_arrives_in_full(cli, tmp_path, gbr,
                                                                     aus) -> None:
    """Nothing re-signed: the placeholder is the record's own (its origin, seq and hash, and
    since protocol 2 its id and marking: the stub the chain runs over), so the chain and the
    checkpoint still verify. AUS must ask again for a record released to it and get it from
    the origin in the next ordinary sync round."""
    lines = exported(gbr)
    _, page, index = entry_at(lines, "GBR", 4)  # GBR's procurement trend, released to AUS
    record = page["entries"][index]["record"]
    with gbr.reading() as session:
        record_hash = session.scalars(select(Record.record_hash).where(
            Record.id == record["id"])).one()
    page["entries"][index] = record_stub(record, record_hash)
    assert {"origin", "seq", "hash"} <= set(page["entries"][index])
    cli(aus, "bundle", "import", str(write_lines(tmp_path / "hollowed.jsonl", lines)))
    sync_round(aus, [FeedOf(gbr, "AUS")])  # one ordinary round: pull, then ask for what is owed
    with aus.reading() as session:
        assert session.scalar(select(Record.id).where(Record.origin == "GBR",
                                                      Record.seq == 4)) == record["id"]
