"""Reference lists held by a node: imports as diffs with provenance, history kept, bad files
refused with nothing changed, and list entries resolved into the actor graph."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from enforce_share.cli import main
from enforce_share.errors import Conflict
from enforce_share.lists import service
from enforce_share.lists.entries import ListFormatError
from enforce_share.lists.models import ListEntry, ListImport
from enforce_share.records.drafts import Draft

from ..conftest import client_as, postgresql_is_slow, token_for
from ..unit.lists import DATA, FIXTURES, SNAPSHOTS, need_snapshots

UN = SNAPSHOTS / "un_sc_consolidated_2024-11-30.xml"
SHARED = {"tlp": "green", "releasable_to": ["GBR", "USA"]}
#: Each source's files, and the entries the files hold (counted from them in tests/unit).
SOURCES = {
    "ofac-sdn": ([SNAPSHOTS / "ofac_sdn_2024-05-03.csv", SNAPSHOTS / "ofac_alt_2026-06.csv",
                  SNAPSHOTS / "ofac_add_2026-06.csv"], 14_965),
    "uk": ([SNAPSHOTS / "uk"], 6_046),
    "un": ([UN], 879),
    "ca-sema": ([SNAPSHOTS / "ca_sema_lmes_2020-04.xml"], 1_369),
    "au-dfat": ([SNAPSHOTS / "au_dfat_regulation8_consolidated_2024-12.xlsx"], 3_062),
    "csl": ([FIXTURES / "csl.json"], 5),
    "chpl": ([DATA / "chpl.csv"], 50),
}


def counts(node) -> tuple[int, int, int]:
    """Imports, entry rows, and entry rows retired: what any change would move."""
    with node.reading() as session:
        return (session.scalar(select(func.count()).select_from(ListImport)),
                session.scalar(select(func.count()).select_from(ListEntry)),
                session.scalar(select(func.count()).where(ListEntry.retired_in.is_not(None))))


def held(node) -> dict[str, dict]:
    return {source["source"]: source for source in service.held(node)}


@postgresql_is_slow
def test_every_list_imports_with_its_counts_and_again_changes_nothing(node) -> None:
    need_snapshots()
    for source, (paths, entries) in SOURCES.items():
        outcome = service.import_files(node, source, paths)
        assert (outcome.entries, outcome.added, outcome.changed, outcome.removed) == (
            entries, entries, 0, 0), source
    status = held(node)
    assert {source: status[source]["current"] for source in SOURCES} == {
        source: entries for source, (_, entries) in SOURCES.items()}
    latest = status["ofac-sdn"]["latest"]
    assert latest["published"] == "2024-05-03" and len(latest["files"]) == 3
    assert all(re.fullmatch("[0-9a-f]{64}", f["sha256"]) for f in latest["files"])
    before = counts(node)
    for source, (paths, _) in SOURCES.items():
        assert service.import_files(node, source, paths).unchanged, source
    assert counts(node) == before


def un_changed(tmp_path: Path) -> Path:
    """The UN list with one individual delisted, one entity renamed and one entity added."""
    text = UN.read_text(encoding="utf-8")
    first = text.index("<INDIVIDUAL>")
    text = text[:first] + text[text.index("</INDIVIDUAL>", first) + len("</INDIVIDUAL>"):]
    text = text.replace("<FIRST_NAME>NATIONAL AEROSPACE TECHNOLOGY ADMINISTRATION</FIRST_NAME>",
                        "<FIRST_NAME>NATIONAL AEROSPACE TECHNOLOGY AGENCY</FIRST_NAME>")
    text = text.replace("</ENTITIES>", "<ENTITY><DATAID>999001</DATAID><FIRST_NAME>ORION "
                                       "COMPONENTS</FIRST_NAME><LISTED_ON>2024-11-29"
                                       "</LISTED_ON></ENTITY></ENTITIES>")
    path = tmp_path / "un_changed.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_changed_file_is_a_diff_and_delisted_entries_stay_as_history(node, tmp_path) -> None:
    need_snapshots()
    service.import_files(node, "un", [UN])
    outcome = service.import_files(node, "un", [un_changed(tmp_path)])
    assert (outcome.added, outcome.changed, outcome.removed) == (1, 1, 1)
    with node.reading() as session:
        delisted = session.scalar(select(ListEntry).where(ListEntry.key == "110447"))
        versions = session.scalars(select(ListEntry).join(ListImport, ListEntry.added_in ==
                                                          ListImport.id).where(
            ListEntry.name.like("NATIONAL AEROSPACE TECHNOLOGY %")).order_by(ListEntry.id)).all()
    assert (delisted.retired_in, delisted.retired_as) == (outcome.import_id, "removed")
    assert [(v.name, v.change, v.retired_as) for v in versions] == [
        ("NATIONAL AEROSPACE TECHNOLOGY ADMINISTRATION", "added", "changed"),
        ("NATIONAL AEROSPACE TECHNOLOGY AGENCY", "changed", None)]
    assert versions[1].replaces == versions[0].id
    assert (held(node)["un"]["current"], held(node)["un"]["delisted"]) == (879, 1)
    again = service.import_files(node, "un", [UN])  # the first file: the entry comes back
    assert (again.added, again.changed, again.removed) == (1, 1, 1)
    with node.reading() as session:
        back = session.scalar(select(ListEntry).where(ListEntry.key == "110447",
                                                      ListEntry.retired_in.is_(None)))
    assert back.change == "relisted" and held(node)["un"]["delisted"] == 1  # ORION, now


def test_a_corrupted_file_is_refused_and_the_list_held_stays(node, tmp_path) -> None:
    need_snapshots()
    service.import_files(node, "un", [UN])
    before = counts(node)
    truncated = tmp_path / "un.xml"
    truncated.write_bytes(UN.read_bytes()[:100_000])
    with pytest.raises(ListFormatError, match="un.xml line 2266 column 12"):
        service.import_files(node, "un", [truncated])
    text = UN.read_text(encoding="utf-8")
    half = text[:text.index("<INDIVIDUAL>", len(text) // 3)] + "</INDIVIDUALS></CONSOLIDATED_LIST>"
    truncated.write_text(half, encoding="utf-8")  # well-formed, a third of the entries
    with pytest.raises(Conflict, match="less than half the 879 held"):
        service.import_files(node, "un", [truncated])
    assert counts(node) == before and held(node)["un"]["current"] == 879
    shrunk = service.import_files(node, "un", [truncated], allow_shrink=True)
    assert shrunk.removed > 500 and held(node)["un"]["delisted"] == shrunk.removed


def test_an_older_publication_is_refused_unless_asked_for(node) -> None:
    service.import_files(node, "csl", [FIXTURES / "csl.json"])
    with pytest.raises(Conflict, match="published 2026-01-01, before the one held"):
        service.import_files(node, "csl", [FIXTURES / "csl.csv"], published="2026-01-01")
    assert service.import_files(node, "csl", [FIXTURES / "csl.csv"], published="2026-01-01",
                                allow_older=True).changed == 5  # ids, sources as in the CSV


def test_the_command_line_imports_reports_and_refuses_in_one_line(node, tmp_path) -> None:
    runner, root = CliRunner(), ["--data-dir", str(node.config.data_dir)]
    done = runner.invoke(main, [*root, "lists", "import", "--source", "csl",
                                str(FIXTURES / "csl.json")])
    assert done.exit_code == 0, done.output
    assert "csl: import 1, published 2026-06-12: 5 entries, +5 added" in done.output
    again = runner.invoke(main, [*root, "lists", "import", "--source", "csl",
                                 str(FIXTURES / "csl.json")])
    assert "unchanged (the same files as import 1" in again.output
    bad = tmp_path / "csl.json"
    bad.write_text('{"results": [{"id": 1}]}', encoding="utf-8")
    refused = runner.invoke(main, [*root, "lists", "import", "--source", "csl", str(bad)])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "error: csl.json results[0]: needs an id, a name and a source"]
    status = runner.invoke(main, [*root, "lists", "status", "--json"])
    assert {s["source"]: s["current"] for s in json.loads(status.output)}["csl"] == 5


def test_analysts_and_administrators_read_what_lists_are_held(app, node) -> None:
    service.import_files(node, "chpl", [DATA / "chpl.csv"] if DATA.is_dir() else [])
    for role in ("analyst", "admin"):
        answer = client_as(app, token_for(node, role, role)).get("/api/v1/lists")
        assert answer.status_code == 200
        assert {s["source"]: s["current"] for s in answer.json}["chpl"] == 50


# --- list entries in the actor graph ---------------------------------------------------------


def company(name: str, country: str, *identifiers: tuple[str, str]) -> dict:
    return {"kind": "company", "name": name, "countries": [country],
            "identifiers": [{"scheme": s, "value": v} for s, v in identifiers]}


def network(node) -> dict[str, str]:
    """An exporter in Germany shipping to a Moscow consignee that shares its tax number with
    an Entity List entry (CSL fixture, ``7704734000``)."""
    exporter, consignee = node.add_records([
        Draft("actor", SHARED, company("Rhein Elektronik GmbH", "DE")),
        Draft("actor", SHARED, company("Orion Komponenty OOO", "RU", ("inn", "7704734000")))])
    node.add_records([Draft("violation", SHARED, {
        "title": "MCUs to Moscow", "summary": "Unlicensed.", "status": "suspected",
        "detected_on": "2026-05-01", "violation_types": ["unlicensed_export"],
        "parties": [{"actor": exporter.id, "role": "exporter"},
                    {"actor": consignee.id, "role": "consignee"}]})])
    return {"exporter": exporter.id, "consignee": consignee.id}


def test_an_actor_and_its_list_entry_are_one_entity_that_paths_reach(app, node) -> None:
    ids = network(node)
    client = client_as(app, token_for(node, "analyst", "analyst"))
    assert client.get(f"/api/v1/graph/paths?from={ids['exporter']}").json["paths"] == []
    service.import_files(node, "csl", [FIXTURES / "csl.json"])
    paths = client.get(f"/api/v1/graph/paths?from={ids['exporter']}&to=listed").json["paths"]
    (path,) = paths
    listed = path[-1]
    assert listed["id"] == ids["consignee"]  # the partner's record names the entity
    assert listed["listings"] == ["US BIS Entity List"] and listed["agencies"] == ["GBR"]
    assert any(member.startswith("list:") for member in listed["members"])
    entities = client.get("/api/v1/entities").json["items"]
    assert all(entity["agencies"] for entity in entities)  # lists alone report nothing
    shown = CliRunner().invoke(main, ["--data-dir", str(node.config.data_dir), "graph",
                                      "paths", ids["exporter"], "--list", "Entity List"])
    assert "Orion Komponenty OOO [GBR; listed: US BIS Entity List]" in shown.output
    assert shown.output.strip().endswith("1 paths")


def test_a_delisted_entry_leaves_the_entity_and_a_changed_one_stays_joined(node, tmp_path):
    ids = network(node)
    service.import_files(node, "csl", [FIXTURES / "csl.json"])
    document = json.loads((FIXTURES / "csl.json").read_text(encoding="utf-8"))
    document["results"][0]["alt_names"].append("Orion Komponenty Moskva")  # changed
    changed = tmp_path / "csl_2026-07-01.json"
    changed.write_text(json.dumps(document), encoding="utf-8")
    service.import_files(node, "csl", [changed])
    found = node.graph.paths("GBR", ids["exporter"], "listed", None, None, 6, 10)
    assert found and found[0][-1]["listings"] == ["US BIS Entity List"]
    del document["results"][0]
    document["total"] = 4
    changed.write_text(json.dumps(document), encoding="utf-8")
    service.import_files(node, "csl", [changed])
    assert node.graph.paths("GBR", ids["exporter"], "listed", None, None, 6, 10) == []
