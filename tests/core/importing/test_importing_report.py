"""ImportReport renders in the user's language and exports a CSV safe to open in Excel."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable

from core.i18n import message
from core.importing import (
    Column,
    ImportReport,
    RowError,
    iso_date,
    map_rows,
    read_table,
    safe_cell,
)

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
