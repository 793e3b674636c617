"""Script payloads typed into free-text fields render as inert text in real Chromium."""
from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser

PAYLOADS = ['<script>alert("s")</script>', '<img src=x onerror=alert("i")>', '"><svg onload=alert("v")>']


@pytest.fixture
def dialogs(page):
    seen: list[str] = []

    def on_dialog(dialog):
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def test_a_public_tip_with_payloads_shows_them_literally_to_staff(page, live_server, dialogs):
    text = "小区加装电梯迟迟不动工。" + " ".join(PAYLOADS)
    page.goto(live_server("/tips/new"))
    page.fill("textarea[name=text]", text)
    page.fill("input[name=place]", PAYLOADS[1])
    page.fill("input[name=contact]", PAYLOADS[2])
    page.click("#tip-form button[type=submit]")
    ref = re.search(r"T\d{8}-[0-9A-F]{6}", page.locator("main").inner_text()).group(0)
    browser_login(page, live_server, "duchashi", "demo-duchashi-2026")
    page.goto(live_server("/tips/"))
    page.get_by_role("link", name=ref).click()
    assert page.locator("#tip-text").inner_text() == text
    assert PAYLOADS[2] in page.locator("#tip-contact").inner_text()
    assert page.locator("main img[src=x], main svg[onload]").count() == 0
    assert dialogs == []


def test_token_and_webhook_names_with_payloads_stay_text(page, live_server, dialogs):
    browser_login(page, live_server, "admin", "demo-admin-2026")
    page.goto(live_server("/tokens/"))
    page.fill("input[name=name]", PAYLOADS[0] + PAYLOADS[1])
    page.click("main form button[type=submit]")
    assert PAYLOADS[0] + PAYLOADS[1] in page.locator("main table").inner_text()
    page.goto(live_server("/webhooks/"))
    page.fill("input[name=name]", PAYLOADS[2])
    page.fill("input[name=url]", "https://ops.example.gov.cn/hook")
    page.check("input[value='tip.created']")
    page.click("main form:has(input[name=url]) button[type=submit]")
    assert PAYLOADS[2] in page.locator("main table").first.inner_text()
    assert page.locator("main img[src=x], main svg[onload]").count() == 0
    assert dialogs == []
