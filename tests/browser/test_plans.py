"""The work plan and a special campaign in real Chromium, on the demo province: drafted by staff, approved by a
leader, published, tracked to the year's end and exported; a campaign run through a review round to a circular.
No console error, no 4xx or 5xx along the way."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser.test_journeys import Journey

pytestmark = pytest.mark.browser


@pytest.fixture
def journey(page: Any, live_server: Any) -> Iterator[Journey]:
    walk = Journey(page, live_server)
    yield walk
    walk.check()


def _download(page: Any, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    with open(info.value.path(), "rb") as handle:
        return handle.read()


def _progress(page: Any, position: int, progress: str, *, note: str = "", reason: str = "") -> None:
    panel = page.locator("#plan-items details.panel").nth(position)
    panel.locator("summary").click()
    form = panel.locator("form.progress-form")
    form.locator("select").select_option(progress)
    form.locator("textarea[name$='-note']").fill(note)
    form.locator("textarea[name$='-reason']").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_plan_is_drafted_approved_by_a_leader_published_tracked_to_year_end_and_exported(journey):
    page, year = journey.page, date.today().year
    journey.login("duchashi", "zh_CN")
    journey.walk_the_menu()
    page.goto(journey.live_server("/plans/"))
    page.locator("details.panel summary").click()
    page.fill("#title", f"{year}年督促检查工作计划（浏览器）")
    page.click("#new-plan button[type=submit]")
    page.wait_for_url(re.compile(r".*/plans/\d+$"))
    plan_url = page.url

    # An item without a matter is refused with its reason, the form kept.
    page.click("#add-item")
    page.fill("#title", "重点事项实地督查")
    page.click("#item-form button[type=submit]")
    assert "至少关联一个台账事项" in page.inner_text("main")
    assert page.input_value("#title") == "重点事项实地督查"
    page.select_option("#matters", index=0)
    page.select_option("#method", "on_site")
    page.select_option("#lead", index=1)
    page.fill("#visit_budget", "6")
    page.fill("#requirement", "汛期前实地核查工程进度")
    page.click("#item-form button[type=submit]")
    page.wait_for_url(plan_url)
    page.click("#add-item")
    page.select_option("#matters", index=1)
    page.select_option("#method", "unannounced")
    page.fill("#end_on", "")
    page.click("#item-form button[type=submit]")
    assert "进度安排" in page.inner_text("main")  # no schedule: refused
    page.fill("#end_on", date(year, 12, 31).isoformat())
    page.click("#item-form button[type=submit]")
    page.wait_for_url(plan_url)
    assert page.locator("#plan-items tbody tr[id^=item-]").count() == 2
    page.click("#submit-plan")
    page.wait_for_load_state()
    assert page.inner_text("#plan-state") == "待审批"

    # A leader, reading in English, approves it: a second person.
    journey.login("shizhang", "en")
    page.goto(plan_url)
    page.click("#approve-plan")
    page.wait_for_load_state()
    assert page.inner_text("#plan-state") == "Approved"
    assert "李副省长" in page.inner_text("#plan-approved")

    journey.login("duchashi", "zh_CN")
    page.goto(plan_url)
    page.click("#publish-plan")
    page.wait_for_load_state()
    assert page.inner_text("#plan-state") == "已印发"

    # Tracked to the year's end: one item done, the other dropped, and only with its reason.
    _progress(page, 1, "dropped")
    assert "请说明取消该事项的原因" in page.inner_text("main")
    _progress(page, 1, "dropped", reason="并入饮水安全专项督查")
    _progress(page, 0, "done", note="完成实地督查6次")
    page.fill("#summary", "全年督查计划执行完毕，一项并入专项督查。")
    page.click("#summary-form button[type=submit]")
    page.wait_for_load_state()
    assert "全年督查计划执行完毕" in page.inner_text("#plan-summary-text")
    assert page.inner_text("#overdue-count") == "0"

    sheet = load_workbook(io.BytesIO(_download(page, "#export-xlsx"))).worksheets[0]
    progress = [sheet.cell(row, 10).value for row in range(2, sheet.max_row + 1)]
    assert set(progress) == {"已完成", "已取消"}
    document = zipfile.ZipFile(io.BytesIO(_download(page, "#export-docx"))).read("word/document.xml").decode()
    assert "全年督查计划执行完毕" in document and "并入饮水安全专项督查" in document


def test_a_campaign_is_planned_and_run_through_a_review_round_to_a_circular(journey):
    page, today = journey.page, date.today()
    journey.login("duchashi", "zh_CN")
    page.goto(journey.live_server("/plans/campaigns"))
    page.click("#new-campaign")
    page.fill("#name", "重点民生事项专项督查（浏览器）")
    page.fill("#start_on", today.isoformat())
    page.fill("#end_on", (today + timedelta(days=30)).isoformat())
    page.select_option("#matters", index=[0, 1, 2])
    page.select_option("#leader", index=1)
    page.click("#campaign-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/plans/campaigns/\d+$"))
    campaign_url = page.url
    page.click("#start-campaign")
    page.wait_for_load_state()
    assert page.inner_text("#campaign-state") == "进行中"

    page.locator("details.panel", has=page.locator("#team-form")).locator("summary").click()
    page.fill("#team-form input[name=name]", "第一督查组")
    page.select_option("#team-form select[name=members]", index=0)
    page.click("#team-form button[type=submit]")
    page.wait_for_load_state()
    assert "第一督查组" in page.inner_text("#teams")

    page.locator("details.panel", has=page.locator("#campaign-round-form")).locator("summary").click()
    page.fill("#campaign-round-form input[name=budget]", "3")
    page.fill("#campaign-round-form input[name=random_share]", "0")
    page.click("#campaign-round-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/review/rounds/\d+$"))
    assert page.locator("#visits tbody tr").count() >= 1
    page.click("#start-round")
    page.wait_for_load_state()
    page.locator("#visits a.record-outcome").first.click()
    page.check("input[name=problem_found][value='1']")
    page.select_option("#severity", "major")
    page.fill("#findings", "专项督查发现台账与现场不符。")
    page.click("#outcome-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/review/rounds/\d+$"))

    page.goto(campaign_url)
    assert page.locator("#campaign-rounds tbody tr").count() == 1
    page.click("#generate-circular")
    page.wait_for_url(re.compile(r".*/circulars/new\?.*campaign=.*"))
    assert page.input_value("input[name=start]") == today.isoformat()  # the campaign's window
    assert page.input_value("input[name=end]") == (today + timedelta(days=30)).isoformat()
    title = "关于重点民生事项专项督查情况的通报"
    page.fill("input[name=title]", title)
    page.fill("input[name=start]", "2020-01-01")  # the demo's tasks due so far, so that units are ranked
    for weight in page.locator("#weights input[data-measure]").all():
        weight.fill("0")
    page.get_by_label("按时完成率").fill("100")
    page.click("#generate-form button[type=submit]")
    page.wait_for_selector("#ranking")

    page.goto(campaign_url)
    assert title in page.inner_text("#campaign-circulars")  # generated from the campaign: it reports on it
