"""Third-party evaluation in real Chromium: an evaluator downloads the template, uploads a file
with two bad rows, sees the report, fixes the file and confirms."""
from __future__ import annotations

import io
from datetime import date

import pytest

pytestmark = pytest.mark.browser


def _file(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return {"name": "评估得分.xlsx", "buffer": out.getvalue(),
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _check(page, live_server, rows):
    page.goto(live_server("/evaluations/upload"))
    page.set_input_files("input[type=file]", files=[_file(rows)])
    page.click("#check-file")
    page.wait_for_selector("#import-result")


def test_an_evaluator_fills_the_template_fixes_two_bad_rows_and_confirms(page, live_server):
    from openpyxl import load_workbook

    from tests.conftest import browser_login

    browser_login(page, live_server, "pinggu", "demo-pinggu-2026")
    page.goto(live_server("/evaluations/"))
    with page.expect_download() as download_info:
        page.locator("a.template").first.click()
    sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]
    header = rows[0]
    assert header[:6] == ["评估机构", "评估批次", "事项编号", "事项名称", "单位代码", "单位名称"] and len(rows) > 2
    batch, score, indicator, day = (header.index(name) for name in ("评估批次", "得分", "指标代码", "评估日期"))

    filled = [header]
    for row in rows[1:]:
        row = list(row)
        row[batch], row[score], row[day] = "2026年第二季度", 88, date.today().isoformat()
        filled.append(row)
    broken = [list(r) for r in filled]
    broken[1][score] = 180  # not a score
    broken[2][indicator] = "Q9"  # not an indicator of the matter
    _check(page, live_server, broken)
    reported = page.locator(".report-errors tbody tr")
    assert reported.count() == 2
    assert {reported.nth(i).locator("td").first.inner_text() for i in range(2)} == {"2", "3"}
    assert page.locator("#confirm-import").count() == 0

    _check(page, live_server, filled)
    page.click("#confirm-import")
    page.wait_for_selector("#import-result")
    assert str(len(filled) - 1) in page.locator("#import-result").inner_text()
    page.goto(live_server("/evaluations/"))
    assert page.get_by_role("link", name="2026年第二季度").first.is_visible()
