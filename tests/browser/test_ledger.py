"""The ledger in real Chromium: dispatch, sign, report, send back, resubmit, accept, close."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.browser

PASSWORDS = {"duchashi": "demo-duchashi-2026", "hedong": "demo-hedong-2026"}


def _as(page, live_server, username):
    from tests.conftest import browser_login

    page.context.clear_cookies()
    browser_login(page, live_server, username, PASSWORDS[username])


def _open_task(page, live_server, code, text):
    page.goto(live_server(f"/ledger/?q={code}"))
    page.get_by_role("link", name=text).click()
    page.wait_for_load_state()


def test_a_task_goes_from_dispatch_to_closed(page, live_server):
    code, east_text, west_text = "BR-2026-001", "河东区完成背街小巷整治40条", "河西区完成背街小巷整治25条"
    deadline = (date.today() + timedelta(days=30)).isoformat()

    _as(page, live_server, "duchashi")
    page.goto(live_server("/ledger/matters"))
    page.click("#new-matter")
    page.fill("#code", code)
    page.fill("#title", "背街小巷环境整治")
    page.select_option("#kind", "meeting")
    page.fill("#source_ref", "省政府第16次常务会议纪要")
    page.click("#matter-form button[type=submit]")
    page.wait_for_selector("#dispatch-form")
    for unit, text in (("990102 河东区人民政府", east_text), ("990103 河西区人民政府", west_text)):
        page.select_option("#unit", label=unit)
        page.fill("#dispatch-form textarea[name=description]", text)
        page.fill("#deadline", deadline)
        page.click("#dispatch-form button[type=submit]")
        page.wait_for_load_state()
    assert page.locator("#matter-tasks").get_by_role("link", name=east_text).is_visible()
    assert page.locator("#matter-tasks").get_by_role("link", name=west_text).is_visible()

    _as(page, live_server, "hedong")
    _open_task(page, live_server, code, east_text)
    page.click("#sign")
    page.wait_for_selector("#report-form")
    assert page.locator("#task-state").inner_text() == "已签收"
    page.fill("#report-form textarea[name=text]", "已完成整治22条")
    page.fill("#report-form input[name=percent_done]", "55")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#task-state").inner_text() == "已报送"

    _as(page, live_server, "duchashi")
    _open_task(page, live_server, code, east_text)
    page.fill("#review-form textarea[name=comment]", "请附整治前后对比照片")
    page.click("#return")
    page.wait_for_load_state()
    assert page.locator("#task-state").inner_text() == "退回重报"

    _as(page, live_server, "hedong")
    _open_task(page, live_server, code, east_text)
    assert "请附整治前后对比照片" in page.locator("main").inner_text()
    page.fill("#report-form textarea[name=text]", "已完成整治40条，附对比照片")
    page.fill("#report-form input[name=percent_done]", "100")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state()

    _as(page, live_server, "duchashi")
    _open_task(page, live_server, code, east_text)
    page.click("#accept")
    page.wait_for_selector("#close")
    page.click("#close")
    page.wait_for_load_state()
    assert page.locator("#task-state").inner_text() == "已销号"
    timeline = page.locator("#timeline").inner_text()
    for step in ("交办", "签收", "退回重报", "审核通过", "销号"):
        assert step in timeline
