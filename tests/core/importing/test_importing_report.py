"""ImportReport renders in the user's language and exports a CSV safe to open in Excel."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from core.i18n import Message, message
from core.importing import (
    Column,
    ImportReport,
    RowError,
    iso_date,
    map_rows,
    read_table,
    safe_cell,
)
from core.importing.report import problems_from_summary

COLUMNS = (Column("code", "事项编号", required=True), Column("deadline", "完成时限", parse=iso_date))


def bad_report() -> ImportReport:
    mapped = map_rows(read_table(b"code,deadline\nM1,2024-01-01\nM2,2024-02-30\n"), COLUMNS)
    report = ImportReport()
    report.extend(mapped.errors)
    return report


def test_render_in_english_and_chinese(zh_gettext: Callable[[str], str]) -> None:
    report = bad_report()
    assert not report.ok
    assert report.render(lambda s: s).splitlines() == [
        "Row 3, column deadline: 2024-02-30 is not a valid date: that day does not exist.",
        "Problems found: 1; nothing was imported.",
    ]
    assert report.render(zh_gettext).splitlines()[0] == (
        "第 3 行，列 deadline（完成时限）：日期无效：2024-02-30，该日期不存在。")


def test_render_counts_when_ok() -> None:
    report = ImportReport(created=3, unchanged=2)
    assert report.ok
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 2, "skipped": 0}
    assert report.render(lambda s: s) == "Created 3, updated 0, unchanged 2, skipped 0."


def test_csv_download_has_bom_and_escapes_formulas(zh_gettext: Callable[[str], str]) -> None:
    data = b"code,deadline\nM1,=HYPERLINK(\"http://evil\")\n"
    report = ImportReport()
    report.extend(map_rows(read_table(data), COLUMNS).errors)
    report.errors.append(RowError(4, "code", report.errors[0].message))
    raw = report.to_csv()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Problem"]
    assert rows[1][:2] == ["2", "deadline (完成时限)"]
    assert rows[2][:2] == ["4", "code"]
    zh_rows = list(csv.reader(io.StringIO(report.to_csv(zh_gettext).decode("utf-8-sig"))))
    assert zh_rows[0] == ["行号", "列", "问题"]
    assert zh_rows[1][1] == "deadline（完成时限）"
    assert zh_rows[1][2].startswith("=HYPERLINK(") is False
    assert "=HYPERLINK(" in zh_rows[1][2]  # quoted mid-sentence, where it is inert
    for row in rows + zh_rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_formula_like_message_cell_is_escaped() -> None:
    report = ImportReport([RowError(2, None, message("%(value)s is not a number.", value="=1+1"))])
    raw = report.to_csv().decode("utf-8-sig")
    assert "'=1+1 is not a number." in raw


def test_safe_cell() -> None:
    for dangerous in ("=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("M-1") == "M-1"
    assert safe_cell(-5) == -5
    assert safe_cell(None) is None


def test_safe_cell_catches_fullwidth_small_and_hidden_formula_leaders() -> None:
    # Typed with a Chinese IME these are the fullwidth forms; spreadsheets still run them.
    for dangerous in ("＝1+1", "＋1", "－1", "＠SUM(A1)", "﹦1+1", "﹢1", "﹣1", "﹫x", "\u22121",
                      " =1+1", "\u3000＝1+1", "\u200b=1+1", "\ufeff=1+1", "\u00a0@x", "\nx", " \t=1"):
        assert safe_cell(dangerous) == "'" + dangerous, repr(dangerous)
    for harmless in ("河东区", "１２３", "M－1", "a=b", " 河东区", ""):
        assert safe_cell(harmless) == harmless, repr(harmless)


def test_fullwidth_formula_in_an_exported_error_report_is_escaped() -> None:
    report = ImportReport([RowError(2, None, message("%(value)s is not a number.", value="＝1+1"))])
    raw = report.to_csv().decode("utf-8-sig")
    assert "'＝1+1 is not a number." in raw


def test_extend_keeps_problems_in_row_order_with_file_problems_first() -> None:
    first = message("Value is required.")
    report = ImportReport([RowError(5, "code", first)])
    report.extend([RowError(1, "code", message("a")), RowError(3, None, message("b")),
                   RowError(None, "deadline", message("missing column")), RowError(3, "code", message("c"))])
    # No line (the file as a whole) comes before row 1; errors on one row keep the order they came in.
    assert [(error.line, error.message.msgid) for error in report.errors] == [
        (None, "missing column"), (1, "a"), (3, "b"), (3, "c"), (5, "Value is required.")]


def test_csv_rows_leave_no_row_and_no_column_empty() -> None:
    report = ImportReport([RowError(None, None, message("The file is empty.")),
                           RowError(None, "code", message("Column is missing."), label="事项编号"),
                           RowError(7, "code", message("Value is required."))])
    raw = report.to_csv()
    assert raw == ("\ufeffRow,Column,Problem\r\n"
                   ",,The file is empty.\r\n"
                   ",code (事项编号),Column is missing.\r\n"
                   "7,code,Value is required.\r\n").encode()


def _report_with_problems() -> ImportReport:
    nested = message("%(value)s is not one of %(choices)s.", value="=bad", choices=message("the units"))
    return ImportReport([
        RowError(None, "unit", message("Column %(name)s is missing.", name="unit"), label="单位"),
        RowError(4, "score", nested, label="得分"),
        RowError(6, None, message("Row has %(count)s cells too many.", count=3)),
    ], created=1, updated=2, unchanged=3, skipped=4)


def test_summary_holds_the_counts_and_every_problem_as_json_values() -> None:
    summary = _report_with_problems().summary()
    assert summary == {
        "ok": False, "errors": 3, "created": 1, "updated": 2, "unchanged": 3, "skipped": 4,
        "problems": [
            {"line": None, "column": "unit", "label": "单位",
             "message": {"msgid": "Column %(name)s is missing.", "params": {"name": "unit"}}},
            {"line": 4, "column": "score", "label": "得分",
             "message": {"msgid": "%(value)s is not one of %(choices)s.",
                         "params": {"value": "=bad", "choices": {"msgid": "the units", "params": {}}}}},
            {"line": 6, "column": None, "label": None,
             "message": {"msgid": "Row has %(count)s cells too many.", "params": {"count": 3}}},
        ]}
    assert json.loads(json.dumps(summary)) == summary
    assert ImportReport(created=2).summary() == {
        "ok": True, "errors": 0, "created": 2, "updated": 0, "unchanged": 0, "skipped": 0, "problems": []}


def test_summary_keeps_the_first_200_problems_by_default() -> None:
    report = ImportReport([RowError(line, "code", message("Value is required.")) for line in range(2, 203)])
    summary = report.summary()
    assert summary["errors"] == 201
    assert [problem["line"] for problem in summary["problems"]] == list(range(2, 202))
    assert [problem["line"] for problem in report.summary(max_problems=2)["problems"]] == [2, 3]


def test_problems_read_back_from_a_stored_summary_are_the_reports_problems() -> None:
    report = _report_with_problems()
    stored = json.loads(json.dumps(report.summary()))
    problems = problems_from_summary(stored)
    assert problems == report.errors
    assert [problem.render(lambda s: s) for problem in problems] == [
        "Column unit: Column unit is missing.",
        "Row 4, column score: =bad is not one of the units.",
        "Row 6: Row has 3 cells too many."]


def test_problems_read_back_from_a_summary_missing_parts() -> None:
    assert problems_from_summary({}) == []
    assert problems_from_summary({"problems": None}) == []
    assert problems_from_summary({"problems": [{"line": 2}, {"message": {"msgid": "x", "params": None}}]}) == [
        RowError(2, None, Message("", {})), RowError(None, None, Message("x", {}))]
    # A parameter that is a mapping but not a message stays a mapping.
    problems = problems_from_summary({"problems": [{"message": {"msgid": "m", "params": {"cell": {"a": 1}}}}]})
    assert problems[0].message == Message("m", {"cell": {"a": 1}})
