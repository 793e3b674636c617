"""In real Chromium: the public files a tip, staff link and hand it over, the unit answers,
the tipster reads the answer with the receipt code."""
from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser

TEXT = "河东区东湖街道老旧小区改造，说好的加装电梯到现在也没动工，施工队来了一次就走了。<b>急</b>"
ANSWER = "经核实，已督促施工单位本月底前进场，河东区住建部门每周跟踪。"


def test_a_tip_goes_from_the_public_to_the_unit_and_back(page, live_server):
    page.goto(live_server("/tips/new"))
    page.fill("textarea[name=text]", TEXT)
    page.select_option("select[name=region]", "990102")
    page.fill("input[name=contact]", "13800001111")
    page.click("#tip-form button[type=submit]")
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    ref = re.search(r"T\d{8}-[0-9A-F]{6}", page.locator("main").inner_text()).group(0)

    browser_login(page, live_server, "duchashi", "demo-duchashi-2026")
    page.goto(live_server("/tips/"))
    page.get_by_role("link", name=ref).click()
    assert page.locator("#tip-text").inner_text() == TEXT  # markup shown as typed, never run
    assert page.locator("#tip-contact").inner_text() == "13800001111"
    page.fill("#correct-form input[name=unit_code]", "990102")
    page.click("#correct-form button[type=submit]")
    assert "更正已保存" in page.locator("main").inner_text()
    page.select_option("#handover-form select[name=unit]", label="河东区人民政府 (990102)")
    page.click("#handover-form button[type=submit]")
    assert page.locator("#tip-state").inner_text() == "已转办"
    page.click("#logout")
    page.wait_for_url(live_server("/login"))

    browser_login(page, live_server, "hedong", "demo-hedong-2026")
    page.get_by_role("link", name="待答复线索").first.click()
    page.get_by_role("link", name=ref).click()
    assert "13800001111" not in page.locator("main").inner_text()
    page.fill("#answer-form textarea[name=body]", ANSWER)
    page.click("#answer-form button[type=submit]")
    assert "答复已提交" in page.locator("main").inner_text()
    page.click("#logout")
    page.wait_for_url(live_server("/login"))

    page.goto(live_server("/tips/status"))
    page.fill("input[name=code]", code.lower())
    page.click("main form button[type=submit]")
    assert page.locator("#tip-state").inner_text() == "已转办"
    messages = page.locator("#tip-messages").inner_text()
    assert ANSWER in messages and "责任单位答复" in messages
