"""List files are untrusted: crafted, huge, truncated or wrongly encoded ones are refused,
each naming the file and the line or element that is wrong."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from enforce_share.adapters.lists import au_dfat, read, read_file
from enforce_share.lists.entries import ListFile, ListFormatError

from . import FIXTURES, SNAPSHOTS, need_snapshots

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>
<FIRST_NAME>&lol4;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data-set [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<data-set><record><Country>Russia</Country><Entity>&secret;</Entity><Item>1</Item></record>
</data-set>"""


def one(name: str, content: bytes) -> list[ListFile]:
    return [ListFile(name, content)]


@pytest.mark.parametrize("source, content", [("un", BILLION_LAUGHS), ("ca-sema", XXE)])
def test_entity_declarations_are_refused_unexpanded(source: str, content: bytes) -> None:
    with pytest.raises(ListFormatError, match="refused: DTDForbidden") as refused:
        read(source, one("crafted.xml", content))
    assert "root:" not in str(refused.value)  # /etc/passwd was never read


def test_a_file_beyond_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    path.write_bytes(b"<" + b"x" * 4096)
    with pytest.raises(ListFormatError, match="larger than 1,024 bytes: refused unread"):
        read_file(path, limit=1024)


def test_an_xlsx_unpacking_far_beyond_its_size_is_refused_before_unpacking(monkeypatch) -> None:
    monkeypatch.setattr(au_dfat, "MAX_UNPACKED", 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert len(bomb.getvalue()) < 64 * 1024  # 8 MiB packed into a few KiB
    with pytest.raises(ListFormatError, match="would unpack to 8,388,608 bytes: refused"):
        read("au-dfat", one("bomb.xlsx", bomb.getvalue()))


def test_a_file_that_is_no_workbook_is_refused() -> None:
    with pytest.raises(ListFormatError, match="bomb.xlsx: not an xlsx workbook"):
        read("au-dfat", one("bomb.xlsx", b"PK\x03\x04 not really"))


def test_a_truncated_xml_file_names_its_line_and_column() -> None:
    need_snapshots()
    text = (SNAPSHOTS / "un_sc_consolidated_2024-11-30.xml").read_bytes()[:100_000]
    with pytest.raises(ListFormatError, match=r"line 2266 column 12: not well-formed XML"):
        read("un", one("un.xml", text))


def test_an_sdn_xml_cut_at_an_entry_boundary_is_refused_by_its_count() -> None:
    text = (FIXTURES / "sdn.xml").read_text(encoding="utf-8")
    cut = text[:text.rindex("<sdnEntry>")] + "</sdnList>\n"
    with pytest.raises(ListFormatError, match="holds 3 sdnEntry elements where its "
                                              "Record_Count says 4"):
        read("ofac-sdn", one("sdn.xml", cut.encode()))


def test_a_csl_download_cut_short_is_refused_by_its_total() -> None:
    document = json.loads((FIXTURES / "csl.json").read_text(encoding="utf-8"))
    document["results"].pop()
    with pytest.raises(ListFormatError, match="holds 4 results where its total says 5"):
        read("csl", one("csl.json", json.dumps(document).encode()))
    with pytest.raises(ListFormatError, match=r"csl.json line 1 column \d+: not JSON"):
        read("csl", one("csl.json", json.dumps(document).encode()[:-40]))


def test_a_truncated_sdn_csv_names_the_short_line() -> None:
    need_snapshots()
    text = (SNAPSHOTS / "ofac_sdn_2024-05-03.csv").read_bytes()[:50_000]
    with pytest.raises(ListFormatError, match=r"sdn.csv line \d+: (\d+ columns where|"
                                              "unexpected end of data)"):
        read("ofac-sdn", one("sdn.csv", text))


def test_a_uk_table_naming_a_subject_it_lacks_is_refused() -> None:
    subjects = (b"unique_id,subject_type,un_reference_number,ofsi_group_id,date_designated,"
                b"last_updated\nRUS0001,individual,,1,31/12/2020,01/01/2021\n")
    names = (b"name_id,unique_id,name_type,alias_strength,full_name\n"
             b"1,RUS0001,primary,,Dmitry Kiselyov\n2,RUS0002,primary,,Andrei Klishas\n")
    with pytest.raises(ListFormatError, match="names.csv line 3: names subject 'RUS0002'"):
        read("uk", [ListFile("subjects.csv", subjects), ListFile("names.csv", names)])


def test_a_file_in_another_encoding_names_the_line_of_its_first_foreign_byte() -> None:
    chpl = "tier,hs6,group\n1,854231,Schaltkreise\n1,854232,Speicher für Daten\n"
    with pytest.raises(ListFormatError, match=r"chpl.csv line 3: not utf-8 text"):
        read("chpl", one("chpl.csv", chpl.encode("latin-1")))


def test_names_with_markup_and_control_characters_stay_text() -> None:
    content = (b'<data-set><record><Country>Russia</Country><Entity>&lt;script&gt;x'
               b'&lt;/script&gt;\x1b[31m Co</Entity><Item>1</Item></record></data-set>')
    with pytest.raises(ListFormatError):  # an escape byte is not even well-formed XML
        read("ca-sema", one("ca.xml", content))
    content = content.replace(b"\x1b[31m", b"&#x85;")
    (entry,) = read("ca-sema", one("ca.xml", content)).entries
    assert entry.body["name"] == "<script>x</script> Co"  # kept as text, control gone
