"""The public's journey on a phone (390×844), in Chinese and in English: file a tip, reload the receipt
and go Back and send again (one tip all the same), copy the query code, look the tip up with it; answer
a survey. No console error and no unexpected 4xx or 5xx on the way."""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


class Watched:
    """A phone-sized page that records console errors and failed responses."""

    def __init__(self, browser: Any, live_server: LiveServer) -> None:
        self.context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        self.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server(""))
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.failed: list[str] = []
        self.expected: set[str] = set()  # deliberate refusals: path → allowed once each
        self.refused = 0  # how many came: Chromium logs each as a console error too
        self.page.on("console", lambda message: self.console.append(message.text) if message.type == "error"
                     else None)
        self.page.on("pageerror", lambda error: self.console.append(str(error)))
        self.page.on("response", self._answered)

    def _answered(self, response: Any) -> None:
        if response.status >= 400:
            path = re.sub(r"^https?://[^/]+", "", response.url)
            if path in self.expected:
                self.expected.discard(path)
                self.refused += 1
            else:
                self.failed.append(f"{response.status} {path}")

    def close(self) -> None:
        self.context.close()
        logged = [text for text in self.console if text.startswith("Failed to load resource: the server responded "
                                                                   "with a status of 4")]
        assert len(logged) <= self.refused, logged
        errors = [text for text in self.console if text not in logged]
        assert errors == [] and self.failed == [] and not self.expected, (errors, self.failed, self.expected)


def _tips_saying(live_server: LiveServer, text: str) -> int:
    from plugins.media_tips.models import Tip

    with live_server.app.extensions["duban.db"].transaction() as session:
        return int(session.scalar(select(func.count()).where(Tip.text == text)) or 0)


def _file_and_follow(watched: Watched, live_server: LiveServer, text: str, words: dict[str, str]) -> None:
    page = watched.page
    page.goto(live_server("/tips/new"))
    assert page.locator("select[name=region] optgroup").count() >= 2  # counties under their city
    page.fill("textarea[name=text]", text)
    page.select_option("select[name=region]", "990102")
    page.click("#tip-form button[type=submit]")
    page.wait_for_url(re.compile(r"/tips/received/[0-9a-f]{32}$"))
    receipt = page.url
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    number = re.search(r"T\d{8}-[0-9A-F]{6}", page.locator("main").inner_text())
    assert number is not None
    ref = number.group(0)
    # The receipt's box is drawn by the tips stylesheet (it was not found before).
    assert page.locator("#receipt-code").evaluate("node => getComputedStyle(node).borderTopStyle") == "dashed"

    page.reload()
    assert page.url == receipt and page.locator("#receipt-code").inner_text().strip() == code
    page.go_back()
    assert page.url == live_server("/tips/new")
    if not page.locator("textarea[name=text]").input_value():
        page.fill("textarea[name=text]", text)  # as the person would: the same form, sent again
    page.click("#tip-form button[type=submit]")
    page.wait_for_url(receipt)
    assert page.locator("#receipt-code").inner_text().strip() == code
    assert _tips_saying(live_server, text) == 1

    page.click("#copy-code")
    expect(page.locator("#copy-code")).to_have_text(words["copied"])
    assert page.evaluate("navigator.clipboard.readText()") == code
    saved = page.context.request.get(live_server(page.locator("#save-code").get_attribute("href") or ""))
    assert saved.status == 200 and code in saved.text() and ref in saved.text()

    page.goto(live_server("/tips/status"))
    watched.expected.add("/tips/status")  # the number alone is refused, with what to enter instead
    page.fill("input[name=code]", ref)
    page.click("main form button[type=submit]")
    assert page.locator("#number-given").is_visible()
    page.fill("input[name=code]", "")
    page.locator("input[name=code]").focus()
    page.keyboard.insert_text(page.evaluate("navigator.clipboard.readText()"))
    page.click("main form button[type=submit]")
    assert page.locator("#tip-state").inner_text() == words["state"]
    assert text in page.locator("main").inner_text()


def test_the_public_files_a_tip_and_answers_a_survey_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    watched = Watched(browser, live_server)
    page = watched.page
    _file_and_follow(watched, live_server, "河东区东湖街道的路灯坏了三个月，晚上一片漆黑，反映多次没人修。",
                     {"copied": "已复制", "state": "新线索"})
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    page.click("header button[name=lang][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    _file_and_follow(watched, live_server, "The bus stop on Hexi Road has had no shelter for a year.",
                     {"copied": "Copied", "state": "New"})

    survey_id, slug = _survey(live_server)
    page.goto(live_server(f"/s/{slug}?lang=zh_CN"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    rows = page.locator(".survey-form label.choice")
    assert rows.count() >= 4
    for index in range(rows.count()):
        box = rows.nth(index).bounding_box()
        if box is not None:  # hidden rows (skip logic) take no room
            assert box["height"] >= 44, box
    radio = page.locator(".survey-form input[type=radio]").first.bounding_box()
    assert radio is not None and radio["width"] >= 20 and radio["height"] >= 20
    page.locator("label.choice:has(input[name=district][value='990102'])").tap()
    for name, value in (("aware", "yes"), ("benefit", "yes"), ("satisfaction", "satisfied")):
        page.locator(f"label.choice:has(input[name={name}][value={value}])").tap()
    page.fill("input[name=years]", "12")
    page.click("#survey-submit")
    page.wait_for_url(live_server(f"/s/{slug}/thanks"))
    page.reload()
    assert _responses(live_server, survey_id) == 1
    watched.close()


def _survey(live_server: LiveServer) -> tuple[int, str]:
    from core.org.models import Unit
    from plugins.survey import service
    from tests.plugins.survey.conftest import form_bytes

    with live_server.app.extensions["duban.db"].transaction(actor="tests") as session:
        owner = session.scalars(select(Unit).order_by(Unit.id)).first()
        survey = service.create_survey(session, form_bytes("demo"), owner_unit_id=owner.id, source_name="demo",
                                       publish=True)
        session.flush()
        return survey.id, survey.slug


def _responses(live_server: LiveServer, survey_id: int) -> int:
    from plugins.survey.models import SurveyResponse

    with live_server.app.extensions["duban.db"].transaction() as session:
        return int(session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id)) or 0)
