"""Logging in through real Chromium."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_supervisor_logs_in_and_sees_the_home_page(page, live_server):
    from tests.conftest import browser_login

    browser_login(page, live_server, "duchashi", "demo-duchashi-2026")
    assert page.locator("h1").inner_text().startswith("欢迎")
    assert page.get_by_role("link", name="单位").first.is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Welcome")
    page.click("#logout")
    page.wait_for_url(live_server("/login"))
    assert page.locator("h1").inner_text() == "Log in"
