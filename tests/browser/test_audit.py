"""Audit findings in real Chromium: an auditor uploads a file, checks it, confirms, and the
findings show on the unit's page."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser

PASSWORDS = {"shenji": "demo-shenji-2026", "duchashi": "demo-duchashi-2026"}
HEADERS = ["问题编号", "审计项目", "被审计单位", "发现日期", "问题类别", "严重程度", "涉及金额", "问题描述", "整改期限"]


def _as(page, live_server, username):
    from tests.conftest import browser_login

    page.context.clear_cookies()
    browser_login(page, live_server, username, PASSWORDS[username])


def _file(rows):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return {"name": "审计问题清单.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8-sig")}


def _unit_id(live_server, code):
    from core.org.models import Unit

    with live_server.app.extensions["duban.db"].session() as session:
        return session.scalar(select(Unit.id).where(Unit.code == code))


def test_an_auditor_uploads_findings_and_staff_see_them_on_the_unit_page(page, live_server):
    rows = [["BR-SJ-001", "2026年度专项审计", "990103", "2026-03-02", "专项资金闲置", "严重", "3,600,000",
             "河西区保障性住房专项资金360万元闲置超过一年。", "2099-06-30"],
            ["BR-SJ-002", "2026年度专项审计", "990103", "2026-03-02", "违规招投标", "一般", "",
             "两个项目未按规定公开招标。", ""]]
    _as(page, live_server, "shenji")
    page.goto(live_server("/findings/upload"))
    page.set_input_files("input[type=file]", files=[_file(rows[:1] + [rows[1][:5] + ["很严重"] + rows[1][6:]])])
    page.click("#check-file")
    page.wait_for_selector("#import-result")
    assert page.locator(".report-errors tbody tr").count() == 1
    assert "很严重" in page.locator(".report-errors").inner_text()

    page.goto(live_server("/findings/upload"))
    page.set_input_files("input[type=file]", files=[_file(rows)])
    page.click("#check-file")
    page.wait_for_selector("#confirm-import")
    page.click("#confirm-import")
    page.wait_for_selector("#import-result")
    assert "2" in page.locator("#import-result").inner_text()
    page.goto(live_server("/findings/?unit=990103"))
    assert page.get_by_role("link", name="BR-SJ-001").is_visible()

    _as(page, live_server, "duchashi")
    page.goto(live_server(f"/units/{_unit_id(live_server, '990103')}"))
    panel = page.locator("section.panel", has_text="BR-SJ-001")
    assert panel.is_visible() and "BR-SJ-002" in panel.inner_text()
    panel.get_by_role("link", name="BR-SJ-001").click()
    page.wait_for_load_state()
    assert "3,600,000.00" in page.content()
