"""read_table on CSV and JSON Lines, and the files it refuses."""
from __future__ import annotations

import pytest

from core.importing import (
    FileRejected,
    FileTooLarge,
    UploadLimits,
    read_table,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRsome-binary-bytes\x00\xff"


def test_utf8_bom_csv() -> None:
    data = "\ufeffcode,name\r\nU1, 省政府办公厅 \r\n".encode("utf-8")
    table = read_table(data, "units.csv")
    assert table.kind == "csv"
    assert table.headers == ["code", "name"]  # the BOM is not part of the first header
    [row] = table.rows
    assert (row.line, row["code"], row["name"]) == (2, "U1", "省政府办公厅")


def test_gb18030_csv_with_chinese_headers() -> None:
    data = "单位代码,单位名称,层级\n110000,北京市,province\n".encode("gbk")
    table = read_table(data, "单位.csv")
    assert table.headers == ["单位代码", "单位名称", "层级"]
    assert table.rows[0]["单位名称"] == "北京市"


def test_semicolon_and_tab_delimiters_are_sniffed() -> None:
    semicolons = read_table(b'code;title\nM1;"a, b"\n')
    assert semicolons.rows[0]["title"] == "a, b"
    tabs = read_table("code\ttitle\nM1\t督办\n".encode("utf-16"))
    assert tabs.rows[0]["title"] == "督办"


def test_row_numbers_count_blank_rows_and_skip_them() -> None:
    table = read_table(b"code,name\n\nU1,a\n,\nU2,b\n")
    assert [(row.line, row["code"]) for row in table.rows] == [(3, "U1"), (5, "U2")]


def test_jsonl_bad_line_is_a_row_error_not_a_crash() -> None:
    data = b'{"ref": "T1", "text": " a "}\n{not json\n\n[1, 2]\n{"ref": "T2", "url": "x"}\n'
    table = read_table(data, "tips.jsonl")
    assert table.kind == "jsonl"
    assert table.headers == ["ref", "text", "url"]
    assert [(row.line, row["ref"], row["text"]) for row in table.rows] == [
        (1, "T1", "a"), (5, "T2", None)]
    assert [error.line for error in table.errors] == [2, 4]
    assert "not a valid JSON object" in str(table.errors[0].message)


def test_png_named_csv_is_not_a_spreadsheet() -> None:
    with pytest.raises(FileRejected) as refused:
        read_table(PNG, "ledger.csv")
    assert refused.value.message.msgid.startswith("%(name)s is not a spreadsheet")
    assert "ledger.csv" in str(refused.value)


def test_old_xls_asks_for_xlsx_or_csv() -> None:
    with pytest.raises(FileRejected) as refused:
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "台账.xls")
    assert ".xlsx" in str(refused.value) and "CSV" in str(refused.value)


def test_undecodable_text_is_refused() -> None:
    with pytest.raises(FileRejected):
        read_table(b"code,name\n1,\x80\xff\x80\n")


def test_size_and_row_limits() -> None:
    with pytest.raises(FileTooLarge) as too_big:
        read_table(b"code\n" + b"x\n" * 100, limits=UploadLimits(max_bytes=50))
    assert too_big.value.status == 413
    with pytest.raises(FileTooLarge):
        read_table(b"code\n" + b"x\n" * 100, limits=UploadLimits(max_rows=10))
