"""Each list reader on the real snapshots: entries counted against the files themselves."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from enforce_share.adapters.lists import read, read_file
from enforce_share.lists.entries import ListFormatError

from . import DATA, FIXTURES, SNAPSHOTS, need_snapshots

OFAC = [SNAPSHOTS / name for name in ("ofac_sdn_2024-05-03.csv", "ofac_alt_2026-06.csv",
                                      "ofac_add_2026-06.csv")]


def parsed(source: str, *paths: Path):
    return read(source, [read_file(path) for path in paths])


@pytest.fixture(scope="module")
def ofac():
    need_snapshots()
    return parsed("ofac-sdn", *OFAC)


def test_every_sdn_row_is_an_entry_with_its_alternate_names_and_addresses(ofac) -> None:
    with OFAC[0].open(encoding="latin-1") as rows:
        sdn = [row for row in csv.reader(rows) if len(row) == 12]
    assert len(ofac.entries) == len(sdn) == 14_965
    assert ofac.published == "2024-05-03"
    by_key = {entry.key: entry for entry in ofac.entries}
    bank = by_key["306"].body
    assert {"name": "NATIONAL BANK OF CUBA"} in bank["aliases"]  # from ALT.CSV
    assert {"text": "Zweierstrasse 35, Zurich CH-8022, Switzerland", "country": "CH"} in bank[
        "addresses"]  # from ADD.CSV
    assert bank["listings"] == [{"list": "US OFAC SDN List", "reference": "306"}]
    kinds = Counter(entry.kind for entry in ofac.entries)
    assert kinds == {"company": Counter(r[2] for r in sdn)["-0- "],
                     "person": Counter(r[2] for r in sdn)["individual"],
                     "vessel": 851, "aircraft": 376}
    assert any("name entries not in the SDN file" in note for note in ofac.notes)


def test_sdn_remarks_give_registry_numbers_and_names(ofac) -> None:
    by_key = {entry.key: entry for entry in ofac.entries}
    assert by_key["4243"].body["identifiers"] == [{"scheme": "imo", "value": "7406784"}]
    assert {"name": "SAND SWAN"} in by_key["4243"].body["aliases"]  # f.k.a. in the remarks
    assert by_key["48907"].body["identifiers"] == [{"scheme": "company_number",
                                                     "value": "9855920"}]
    assert by_key["48907"].extra["programs"] == ["RUSSIA-EO14024"]
    schemes = Counter(i["scheme"] for e in ofac.entries for i in e.body.get("identifiers", ()))
    with OFAC[0].open(encoding="latin-1") as rows:
        remarks = "\n".join(row[11] for row in csv.reader(rows) if len(row) == 12)
    assert schemes["imo"] >= len(re.findall(r"IMO [0-9]{7}", remarks)) - 5
    assert schemes["inn"] > 2000 and schemes["ogrn"] > 2000  # Russian tax and state numbers


def test_the_uk_list_has_a_subject_per_row_of_subjects_csv() -> None:
    need_snapshots()
    found = parsed("uk", *sorted((SNAPSHOTS / "uk").iterdir()))
    with (SNAPSHOTS / "uk" / "subjects.csv").open(encoding="utf-8") as rows:
        subjects = list(csv.DictReader(rows))
    assert len(found.entries) == len(subjects) == 6_046
    assert Counter(e.kind for e in found.entries) == {"person": 3883, "company": 1531,
                                                       "vessel": 632}
    assert sum(e.extra["regime"] == "RUS" for e in found.entries) == 3_252
    kiselyov = next(e for e in found.entries if e.key == "RUS0001")
    assert kiselyov.body["listings"][0]["date"] == "2020-12-31"


def test_the_un_list_has_its_individuals_and_entities() -> None:
    need_snapshots()
    path = SNAPSHOTS / "un_sc_consolidated_2024-11-30.xml"
    found = parsed("un", path)
    text = path.read_text(encoding="utf-8")
    assert len(found.entries) == text.count("<INDIVIDUAL>") + text.count("<ENTITY>") == 879
    assert found.published == "2024-11-30"
    first = found.entries[0]
    assert first.key == "110447" and first.body["name"] == "MUHAMMAD TAHER ANWARI"
    assert {"name": "محمد طاهر أنوري"} in first.body["aliases"]  # original script


def test_the_canadian_list_has_a_record_per_entry() -> None:
    need_snapshots()
    path = SNAPSHOTS / "ca_sema_lmes_2020-04.xml"
    found = parsed("ca-sema", path)
    assert len(found.entries) == path.read_text(encoding="utf-8").count("<record>") == 1369
    air_bagan = found.entries[0]
    assert air_bagan.key == "Burma/1/1" and air_bagan.body["aliases"] == [
        {"name": "Air Bagan Holdings Pte. Ltd."}, {"name": "Air Bagan Limited"}]


def test_the_australian_list_has_an_entry_per_primary_name() -> None:
    need_snapshots()
    path = SNAPSHOTS / "au_dfat_regulation8_consolidated_2024-12.xlsx"
    found = parsed("au-dfat", path)
    book = openpyxl.load_workbook(path, read_only=True)
    primary = sum(1 for row in book.active.iter_rows(min_row=2, max_col=4, values_only=True)
                  if str(row[3] or "").strip().lower() == "primary name")
    book.close()
    assert len(found.entries) == primary == 3_062
    assert sum("Autonomous (Russia)" in e.extra["programs"] for e in found.entries) > 500


def test_the_chpl_has_its_fifty_codes_in_tiers() -> None:
    need_snapshots()
    found = parsed("chpl", DATA / "chpl.csv")
    tiers = Counter(entry.body["tier"] for entry in found.entries)
    assert len(found.entries) == 50 and tiers["1"] == 4
    assert next(e for e in found.entries if e.key == "854231").body["tier"] == "1"


def test_the_sdn_xml_says_what_the_csv_says() -> None:
    found = parsed("ofac-sdn", FIXTURES / "sdn.xml")
    assert found.published == "2024-05-03" and len(found.entries) == 4
    by_key = {entry.key: entry for entry in found.entries}
    assert by_key["306"].body["aliases"] == [{"name": "BNC"}, {"name": "NATIONAL BANK OF CUBA"}]
    assert by_key["4243"].body["identifiers"] == [{"scheme": "imo", "value": "7406784"}]
    assert by_key["48907"].body["identifiers"] == [
        {"scheme": "company_number", "value": "9855920"}, {"scheme": "inn",
                                                           "value": "7704734000"}]
    assert by_key["15007"].body["kind"] == "person"
    assert by_key["15007"].body["name"] == "Dmitry Konstantinovich KISELEV"
    assert by_key["15007"].body["countries"] == ["RU"]


@pytest.mark.parametrize("name", ["csl.json", "csl.csv"])
def test_the_consolidated_screening_list_carries_the_commerce_lists(name: str) -> None:
    found = parsed("csl", FIXTURES / name)
    lists = {entry.body["listings"][0]["list"] for entry in found.entries}
    assert lists == {"US BIS Entity List", "US BIS Denied Persons List",
                     "US BIS Unverified List", "US BIS Military End User List"}
    orion = next(e for e in found.entries if e.name == "Orion Components Trading LLC")
    assert orion.body["identifiers"] == [{"scheme": "inn", "value": "7704734000"}]
    assert orion.body["countries"] == ["RU"] and {"name": "OOO Orion Komponenty"} in orion.body[
        "aliases"]
    plant = next(e for e in found.entries if e.name == "Aviation Plant No. 12 JSC")
    assert plant.body["identifiers"] == [{"scheme": "ogrn", "value": "1027700132195"}]
    if name == "csl.json":
        assert found.published == "2026-06-12"
        assert orion.body["listings"][0]["date"] == "2024-02-23"


def test_a_file_of_another_list_is_refused_by_name() -> None:
    with pytest.raises(ListFormatError, match="not a SEMA data-set"):
        parsed("ca-sema", FIXTURES / "sdn.xml")
    with pytest.raises(ListFormatError, match="not an OFAC legacy CSV"):
        parsed("ofac-sdn", FIXTURES / "csl.csv")
