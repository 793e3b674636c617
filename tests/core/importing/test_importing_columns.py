"""map_rows: header matching, parsing every cell, duplicate natural keys."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from core.importing import (
    Column,
    code_list,
    integer,
    iso_date,
    map_rows,
    optional_text,
    read_table,
    severity,
)

MATTERS = (
    Column("code", "事项编号", required=True),
    Column("title", "事项名称", required=True),
    Column("co_units", "配合单位", parse=code_list, default=[]),
    Column("deadline", "完成时限", required=True, parse=iso_date),
    Column("note", "备注", parse=optional_text, aliases=("remark",)),
)


def test_chinese_headers_matched_and_unknown_column_kept() -> None:
    data = " 事项编号 ,事项名称,配合单位,完成时限,办公室备忘\nM1,防汛,U1；U2、U3,2024-06-30,请加急\n"
    mapped = map_rows(read_table(data.encode("gb18030")), MATTERS)
    assert mapped.ok, mapped.errors
    [row] = mapped.rows
    assert row.line == 2
    assert dict(row) == {"code": "M1", "title": "防汛", "co_units": ["U1", "U2", "U3"],
                         "deadline": dt.date(2024, 6, 30), "note": None}
    assert row.extra == {"办公室备忘": "请加急"}
    assert mapped.present == {"code", "title", "co_units", "deadline"}


def test_english_headers_any_case_and_aliases() -> None:
    mapped = map_rows(read_table(b"CODE,Title,Deadline,REMARK\nM1,t,2024-01-02,hi\n"), MATTERS)
    assert mapped.ok
    assert mapped.rows[0]["note"] == "hi"


def test_missing_required_column_named_in_both_languages() -> None:
    mapped = map_rows(read_table("事项编号,完成时限\nM1,2024-01-02\n".encode()), MATTERS)
    [error] = mapped.errors
    assert error.line is None
    assert str(error.message) == "Required column title (事项名称) is missing."


def test_every_bad_cell_reported_with_its_row() -> None:
    data = b"code,title,deadline\nM1,a,2024-02-30\nM2,,2024/03/01\nM3,c,2024-03-01\n"
    mapped = map_rows(read_table(data), MATTERS)
    assert [(e.line, e.column, e.message.msgid) for e in mapped.errors] == [
        (2, "deadline", "%(value)s is not a valid date: that day does not exist."),
        (3, "title", "A value is required."),
        (3, "deadline", "%(value)s is not a date; write dates as YYYY-MM-DD."),
    ]
    assert mapped.errors[0].label == "完成时限"
    assert [row["code"] for row in mapped.rows] == ["M3"]


def test_duplicate_natural_key_names_first_row() -> None:
    data = b"code,title,deadline\nM1,a,2024-01-01\nM2,b,2024-01-01\nM1,c,2024-01-01\nM1,d,2024-01-01\n"
    mapped = map_rows(read_table(data), MATTERS, key=("code",))
    assert [(e.line, e.column, e.message.params["first"]) for e in mapped.errors] == [
        (4, "code", 2), (5, "code", 2)]
    assert str(mapped.errors[0].message) == "Duplicate code M1: it already appears on row 2."
    assert [row["code"] for row in mapped.rows] == ["M1", "M2"]


def test_composite_key(make_xlsx: Callable[..., bytes]) -> None:
    columns = (Column("batch", "评估批次", required=True), Column("unit_code", "单位代码", required=True),
               Column("score", "得分", parse=integer), Column("severity", "严重程度", parse=severity))
    data = make_xlsx([["评估批次", "单位代码", "得分", "严重程度"],
                      ["2024Q1", 110000, 90, "严重"], ["2024Q1", 110000, 80, "minor"]])
    mapped = map_rows(read_table(data), columns, key=("batch", "unit_code"))
    [error] = mapped.errors
    assert (error.line, error.column) == (3, None)
    assert mapped.rows[0].data == {"batch": "2024Q1", "unit_code": "110000", "score": 90,
                                     "severity": "severe"}


def test_duplicate_header_reported_once() -> None:
    mapped = map_rows(read_table("code,事项编号,title,deadline\nM1,M9,t,2024-01-01\n".encode()), MATTERS)
    assert [e.message.msgid for e in mapped.errors] == [
        "Column %(column)s (%(label)s) appears more than once; only the first is used."]
    assert mapped.rows[0]["code"] == "M1"


def test_jsonl_line_errors_carry_through() -> None:
    columns = (Column("ref", "编号"), Column("text", "内容", required=True))
    mapped = map_rows(read_table(b'{"ref": "a", "text": "x"}\n{oops}\n'), columns)
    assert [e.line for e in mapped.errors] == [2]
    assert len(mapped.rows) == 1
