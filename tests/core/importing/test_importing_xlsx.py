"""XLSX intake: typed cells, real row numbers, and archives refused before parsing."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from core.importing import FileRejected, FileTooLarge, UploadLimits, read_table

WORKBOOK = b"<workbook/>"


def test_xlsx_cells_come_back_typed(make_xlsx: Callable[..., bytes]) -> None:
    data = make_xlsx([
        ["事项编号", "完成时限", "amount", "note"],
        ["M-1", dt.date(2024, 3, 31), 1234.5, "  spaced  "],
        [None, None, None, None],
        ["M-2", dt.datetime(2024, 4, 1, 9, 30), 7, None],
    ])
    table = read_table(data, "ledger.bin")  # the name says nothing; the content does
    assert table.kind == "xlsx"
    assert table.headers == ["事项编号", "完成时限", "amount", "note"]
    first, second = table.rows
    assert first.line == 2 and second.line == 4
    assert first["完成时限"] == dt.date(2024, 3, 31)
    assert type(second["完成时限"]) is dt.date
    assert first["amount"] == 1234.5 and second["amount"] == 7
    assert isinstance(second["amount"], int)
    assert first["note"] == "spaced"


def test_header_below_blank_rows_keeps_sheet_numbering(make_xlsx: Callable[..., bytes]) -> None:
    table = read_table(make_xlsx([[None], ["code"], ["U1"]]))
    assert table.headers == ["code"]
    assert [row.line for row in table.rows] == [3]


def test_zip_bomb_refused_before_openpyxl(make_zip: Callable[..., bytes],
                                          forbid_openpyxl: None) -> None:
    bomb = make_zip({"xl/workbook.xml": WORKBOOK,
                     "xl/worksheets/sheet1.xml": b"<" + b"a" * (60 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(FileTooLarge) as refused:
        read_table(bomb, "bomb.xlsx")
    assert "expands" in str(refused.value)


def test_absurd_compression_ratio_refused(make_zip: Callable[..., bytes],
                                          forbid_openpyxl: None) -> None:
    bomb = make_zip({"xl/workbook.xml": WORKBOOK, "xl/sharedStrings.xml": b"\x00" * (8 * 1024 * 1024)})
    with pytest.raises(FileTooLarge) as refused:
        read_table(bomb, "bomb.xlsx")
    assert "compressed suspiciously" in str(refused.value)


def test_too_many_entries_refused(make_zip: Callable[..., bytes], forbid_openpyxl: None) -> None:
    archive = make_zip({"xl/workbook.xml": WORKBOOK, **{f"xl/p{i}.xml": b"" for i in range(10)}})
    with pytest.raises(FileTooLarge):
        read_table(archive, limits=UploadLimits(max_zip_entries=5))


def test_zip_without_workbook_refused(make_zip: Callable[..., bytes], forbid_openpyxl: None) -> None:
    with pytest.raises(FileRejected) as refused:
        read_table(make_zip({"word/document.xml": b"<w/>"}), "report.xlsx")
    assert "not an Excel workbook" in str(refused.value)


def test_damaged_workbook_refused_cleanly(make_zip: Callable[..., bytes]) -> None:
    with pytest.raises(FileRejected) as refused:
        read_table(make_zip({"xl/workbook.xml": b"<not-a-workbook"}))
    assert "could not be read" in str(refused.value)


def test_openpyxl_parses_xml_through_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
