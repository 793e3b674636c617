"""Circulars and the dashboard in real Chromium, on the demo province."""
from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document

pytestmark = pytest.mark.browser


def _logout_and_login(page, live_server, username, password):
    from tests.conftest import browser_login

    if page.locator("#logout").count():
        page.click("#logout")
        page.wait_for_url(live_server("/login"))
    browser_login(page, live_server, username, password)


def test_staff_publish_a_circular_and_the_criticised_unit_answers(page, live_server):
    _logout_and_login(page, live_server, "duchashi", "demo-duchashi-2026")
    page.goto(live_server("/circulars/"))
    page.click("#new-circular")
    page.fill("input[name=title]", "关于重点督办事项按时完成情况的通报")
    page.fill("input[name=start]", "2020-01-01")
    page.fill("input[name=end]", date(date.today().year + 1, 12, 31).isoformat())
    for weight in page.locator("#weights input[data-measure]").all():
        weight.fill("0")
    page.get_by_label("按时完成率").fill("100")
    page.click("#generate-form button[type=submit]")
    page.wait_for_selector("#ranking")

    # Edit the paragraph criticising 河西区, then publish.
    section = page.locator("section.entry.criticise", has_text="河西区")
    section.locator("textarea").fill("河西区人民政府两项任务逾期未完成，责令限期整改，予以通报批评。")
    section.get_by_role("button", name="保存段落").click()
    page.wait_for_selector("text=段落已保存")
    # Publishing cannot be undone: it waits for the confirmation to be ticked.
    confirm = page.locator("#publish-form input[name=confirm]")
    assert confirm.get_attribute("required") is not None
    assert page.locator(".doc-number").inner_text() == "（草稿，未编号）"
    confirm.check()
    page.click("#publish")
    page.wait_for_selector("text=通报已印发至有关单位")
    number = page.locator(".doc-number").inner_text()
    assert number.startswith("示督通〔") and number.endswith("号")
    assert page.locator("section.entry.criticise", has_text="责令限期整改").count() == 1

    with page.expect_download() as download_info:
        page.click("#export-docx")
    with open(download_info.value.path(), "rb") as handle:
        document = Document(io.BytesIO(handle.read()))
    assert number in [p.text for p in document.paragraphs]
    assert any("责令限期整改" in p.text for p in document.paragraphs)
    ranking = document.tables[0]
    assert ranking.rows[0].cells[0].text == "排名"
    units = [row.cells[1].text for row in ranking.rows[1:]]
    assert "河西区人民政府" in units and "河东区人民政府" in units
    circular_url = page.url.split("#")[0]

    # 河西区's officer sees it among the answers owed and submits the explanation.
    _logout_and_login(page, live_server, "hexi", "demo-hexi-2026")
    page.goto(live_server("/circulars/"))
    page.locator(".owed a", has_text="关于重点督办事项按时完成情况的通报").click()
    assert page.url.split("#")[0] == circular_url
    form = page.locator("#explain-form")
    form.locator("textarea[name=reasons]").fill("水源地调整导致取水许可审批滞后。")
    form.locator("textarea[name=plan]").fill("倒排工期，明确责任人，本月底前完成主体工程。")
    form.get_by_role("button", name="报送原因及改进意见").click()
    page.wait_for_selector("text=本单位原因及改进意见已报送")
    assert "水源地调整导致取水许可审批滞后" in page.locator("section.explanation", has_text="河西区").inner_text()


def test_leader_opens_the_dashboard_and_clicks_through_a_chart(page, live_server):
    _logout_and_login(page, live_server, "shizhang", "demo-leader-2026")
    page.goto(live_server("/dashboard/"))
    page.wait_for_selector("[data-chart=state] svg")
    red = page.locator("a[data-figure='light:red']")
    value = red.get_attribute("data-value")
    red.click()
    page.wait_for_url("**/ledger/?light=red")
    assert f"{value}" in page.locator("main").inner_text()
