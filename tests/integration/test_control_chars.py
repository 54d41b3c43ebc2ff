"""Control characters in text, on both databases: refused on write, quarantined on ingest.

One NUL in a partner's record used to fail every PostgreSQL node with an internal DataError
on each retry, halting that origin's whole log; now it is an ordinary malformed record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from enforce_share.cli import main
from enforce_share.errors import InvalidInput, VerificationError
from enforce_share.partners import add_partner
from enforce_share.records import log as record_log
from enforce_share.records.ingest import BadEntry, ingest
from enforce_share.records.models import Record
from enforce_share.records.precheck import check_entries
from enforce_share.records.queries import signed
from enforce_share.signing import jws
from enforce_share.signing.node_keys import current_signer
from enforce_share.sync.feed import feed_page
from enforce_share.sync.models import Quarantined
from enforce_share.sync.puller import apply_page

from ..conftest import make_node, postgresql_is_slow

SHARED = {"tlp": "green", "releasable_to": ["USA", "GBR", "CAN"]}
REFUSED = ["\x00", "\x1b", "\r", "\x7f", "\x85"]


def records_of(node, origin: str) -> int:
    with node.reading() as session:
        return session.scalar(select(func.count()).where(Record.origin == origin))


def quarantined(node) -> list[tuple[str, int | None, str, str]]:
    with node.reading() as session:
        return [(q.origin, q.seq, q.reason, q.detail) for q in session.scalars(
            select(Quarantined).order_by(Quarantined.position))]


def page_of(origin_node, after: int, requester: str = "GBR") -> dict[str, Any]:
    with origin_node.reading() as session:
        return feed_page(session, requester, origin_node.agency, after, 500)


def signed_as(origin_node, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` really signed with the origin node's key, whatever its shape."""
    with origin_node.reading() as session:
        signer = current_signer(session, origin_node.agency, origin_node.config.keys_dir)
    return {"record": record, "jws": signer.sign(jws.canonical(record))}


@contextmanager
def older_software(monkeypatch) -> Iterator[None]:
    """A node of a release that did not check text for control characters."""
    with monkeypatch.context() as patched:
        patched.setattr(record_log, "record_errors", lambda record: {})
        yield


@pytest.fixture
def usa(tmp_path, node):
    """A partner on SQLite whose keys the node under test (GBR) trusts."""
    built = make_node(tmp_path / "usa", "USA")
    with node.transaction() as session:
        add_partner(session, "GBR", "USA", built.jwks(), None)
    yield built
    built.close()


@pytest.fixture
def can(tmp_path, node, drafts):
    """Another origin, with two records, trusted by the node under test."""
    built = make_node(tmp_path / "can", "CAN")
    built.add_records([drafts("actor", SHARED), drafts("case", SHARED)])
    with node.transaction() as session:
        add_partner(session, "GBR", "CAN", built.jwks(), None)
    yield built
    built.close()


# --- on write -------------------------------------------------------------------------------

@postgresql_is_slow  # the schema refuses it before storage
@pytest.mark.parametrize("char", REFUSED)
def test_post_with_a_control_character_is_422_naming_the_member(client, node, drafts,
                                                                char) -> None:
    before = node.describe()["log"]
    payload = drafts.payload("violation", summary=f"Shipments{char}re-exported without licence.")
    response = client.post("/api/v1/records", json=payload)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"body": {"summary": [error["fields"]["body"]["summary"][0]]}}
    assert f"U+{ord(char):04X}" in error["fields"]["body"]["summary"][0]
    assert node.describe()["log"] == before
    assert records_of(node, "GBR") == 1  # its key announcement only


def test_post_keeps_tab_and_newline(client, drafts) -> None:
    summary = "Shipments re-exported:\n\t- via Yerevan\n\t- via Bishkek\n"
    response = client.post("/api/v1/records", json=drafts.payload("violation", summary=summary))
    assert response.status_code == 201
    stored = client.get(f"/api/v1/records/{response.json['record']['id']}").json
    assert stored["record"]["body"]["summary"] == summary


def test_cli_record_add_names_the_member_and_stores_nothing(node, drafts, tmp_path) -> None:
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(drafts.payload("violation", summary="a\x00b")), encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(node.config.data_dir), "record",
                                       "add", str(path)],
                                env={"DATABASE_URL": node.config.database_url or ""})
    assert result.exit_code == 1
    assert "(body.summary:" in result.stderr
    assert records_of(node, "GBR") == 1


def test_bulk_load_refuses_the_batch_naming_the_draft_and_member(node, drafts) -> None:
    with pytest.raises(InvalidInput) as caught:
        node.add_records([drafts("actor"), drafts("actor", aliases=[{"name": "Tekhno\x85"}])])
    assert caught.value.message.startswith("Draft 1 is not a valid actor: body.aliases.0.name: ")
    assert records_of(node, "GBR") == 1


# --- on ingest ------------------------------------------------------------------------------

def test_ingest_refuses_a_correctly_signed_record_holding_nul(node, usa, drafts) -> None:
    usa.add_records([drafts("actor", SHARED)])
    with usa.reading() as session:
        documents = [signed(row) for row in session.scalars(select(Record).order_by(Record.seq))]
    hostile = {**documents[-1]["record"], "seq": 3, "id": "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
               "type": "violation", "body": drafts("violation", summary="x\x00y").body}
    documents.append(signed_as(usa, hostile))
    with pytest.raises(BadEntry) as caught:
        with node.transaction() as session:
            ingest(session, node.registry(), documents, "GBR")
    assert (caught.value.reason, caught.value.index, caught.value.seq) == ("malformed_record", 2, 3)
    assert caught.value.detail.startswith("body.summary: ")
    assert records_of(node, "USA") == 0  # the batch stores nothing


def test_a_page_from_older_software_is_quarantined_at_the_bad_seq(node, usa, can, drafts,
                                                                  monkeypatch) -> None:
    """USA's own node, of a release that let NUL through, signed the record and its chain."""
    usa.add_records([drafts("actor", SHARED) for _ in range(3)])
    assert apply_page(node, "USA", "USA", 0, page_of(usa, 0)).stored == 4
    with older_software(monkeypatch):
        usa.add_records([drafts("violation", SHARED, summary="Diverted\x00 via Yerevan.")])
    usa.add_records([drafts("actor", SHARED)])
    page = page_of(usa, 4)
    assert [e["record"]["seq"] for e in page["entries"]] == [5, 6]
    for _ in range(2):  # asked again, the same ordinary refusal
        with pytest.raises(BadEntry) as caught:
            apply_page(node, "USA", "USA", 4, page)
        assert (caught.value.reason, caught.value.seq) == ("malformed_record", 5)
    (origin, seq, reason, detail) = quarantined(node)[0]
    assert (origin, seq, reason) == ("USA", 5, "malformed_record")
    assert detail.startswith("malformed_record: body.summary: Control character U+0000")
    assert records_of(node, "USA") == 4  # the pages before stay; nothing of this one
    (peer,) = node.sync_status()["peers"]
    assert [o["blocked_seq"] for o in peer["origins"]] == [5]
    assert apply_page(node, "CAN", "CAN", 0, page_of(can, 0)).stored == 3  # others carry on
    assert records_of(node, "CAN") == 3


def test_the_prechecker_finds_the_same_fault(node, usa, drafts, monkeypatch) -> None:
    with older_software(monkeypatch):
        usa.add_records([drafts("actor", SHARED, name="Tekhno\x1bTreyd")])
    entries = page_of(usa, 0)["entries"]
    verdicts = check_entries(entries, node.registry().snapshot)
    assert verdicts.entries[1].shape == ("malformed_record",
                                         verdicts.entries[1].shape[1])
    assert verdicts.entries[1].shape[1].startswith("body.name: ")
    with pytest.raises(BadEntry) as caught:
        with node.transaction() as session:
            ingest(session, node.registry(), entries, "GBR", verdicts=verdicts)
    assert (caught.value.reason, caught.value.index) == ("malformed_record", 1)


@pytest.mark.parametrize("member", ["\x00", "note\x00", "a\x1b[2J", "a\ud800"])
def test_a_member_name_with_a_control_character_is_quarantined(node, usa, drafts,
                                                               member) -> None:
    """The problem report names the member; it is stored as text, so it must be escaped."""
    genuine = page_of(usa, 0)
    record = {"id": "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", "type": "actor", "origin": "USA",
              "seq": 2, "created": genuine["entries"][0]["record"]["created"],
              "supersedes": None, "marking": SHARED,
              "body": {**drafts("actor").body, member: "x"}}
    if "\ud800" in member:  # no key can sign it (RFC 8785 refuses lone surrogates)
        entry = {"record": record, "jws": genuine["entries"][0]["jws"]}
    else:
        entry = signed_as(usa, record)
    page = {**genuine, "entries": genuine["entries"] + [entry]}
    with pytest.raises(VerificationError) as caught:
        apply_page(node, "USA", "USA", 0, page)
    assert caught.value.reason == "malformed_record"
    ((_, seq, reason, detail),) = quarantined(node)
    assert (seq, reason) == (2, "malformed_record")
    assert detail.endswith(": Unknown field.") and detail.isprintable()
    assert records_of(node, "USA") == 0
