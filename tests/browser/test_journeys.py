"""Each role's day in real Chromium, in Chinese and in English: every page its menu offers, then its
own work, with no console error and no 4xx or 5xx but the refusals the journey provokes on purpose.

The public's journey (a tip and a survey answer on a phone) lives with the tips' and surveys' tests;
these are the signed-in roles of the demo province.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PASSWORDS = {"admin": "demo-admin-2026", "duchashi": "demo-duchashi-2026", "shizhang": "demo-leader-2026",
             "hedong": "demo-hedong-2026", "pinggu": "demo-pinggu-2026", "shenji": "demo-shenji-2026"}
LANGUAGES = {"zh_CN": "zh-CN", "en": "en"}


class Journey:
    """A page that records what a person should never meet: console errors and unexpected 4xx/5xx."""

    def __init__(self, page: Any, live_server: Any) -> None:
        self.page = page
        self.live_server = live_server
        self.problems: list[str] = []
        self.expected: list[tuple[str, int]] = []  # (path fragment, status) refused on purpose
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # A refused request is also logged as "Failed to load resource": judged by its response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console on {self.page.url}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status < 400:
            return
        if any(fragment in response.url and status == response.status for fragment, status in self.expected):
            return
        self.problems.append(f"{response.status} {response.request.method} {response.url}")

    @contextmanager
    def refused(self, fragment: str, status: int) -> Iterator[None]:
        """A refusal the journey provokes on purpose (it must answer with its message, not a bare error)."""
        self.expected.append((fragment, status))
        try:
            yield
        finally:
            self.expected.remove((fragment, status))

    def login(self, username: str, language: str) -> None:
        page = self.page
        page.context.clear_cookies()
        page.goto(self.live_server("/login"))
        page.click(f"button[name=lang][value={language}]")
        page.wait_for_load_state()
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORDS[username])
        page.click("button[type=submit]:not(.link)")
        page.wait_for_url(self.live_server("/"))
        assert page.locator("html").get_attribute("lang") == LANGUAGES[language]

    def walk_the_menu(self) -> list[str]:
        """Open every page the role's menu offers; each must load and read in the chosen language."""
        links = self.page.eval_on_selector_all("nav.menu a", "links => links.map(a => a.getAttribute('href'))")
        assert links, "the menu is empty"
        lang = self.page.locator("html").get_attribute("lang")
        for href in links:
            self.page.goto(self.live_server(href))
            assert self.page.locator("h1").first.inner_text().strip(), href
            assert self.page.locator("html").get_attribute("lang") == lang, href
        return links

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def journey(page: Any, live_server: Any) -> Iterator[Journey]:
    walk = Journey(page, live_server)
    yield walk
    walk.check()


def _xlsx(rows: list[list[Any]], name: str) -> dict[str, Any]:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return {"name": name, "buffer": out.getvalue(),
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_county_officer_signs_reports_and_keeps_a_refused_report(journey, language):
    page = journey.page
    journey.login("hedong", language)
    waiting = page.locator("#waiting")
    assert waiting.is_visible()
    counts = waiting.locator("strong").all_inner_texts()
    assert all(count.isdigit() for count in counts) and len(counts) == 5
    journey.walk_the_menu()

    page.goto(journey.live_server("/"))
    waiting.locator("a").nth(1).click()  # to report on: the ledger, filtered
    page.wait_for_load_state()
    assert "state=signed" in page.url
    page.goto(journey.live_server("/ledger/?state=dispatched"))
    task_links = page.locator("main a[href*='/ledger/tasks/']")
    if task_links.count() == 0:
        page.goto(journey.live_server("/ledger/?state=signed"))
    page.locator("main a[href*='/ledger/tasks/']").first.click()
    page.wait_for_load_state()
    if page.locator("#sign").count():
        page.click("#sign")
        page.wait_for_selector("#report-form")
    text = "已完成入户摸排 1,024 户" if language == "zh_CN" else "Surveyed 1,024 households"
    page.fill("#report-form textarea[name=text]", text)
    page.fill("#report-form input[name=percent_done]", "35")
    page.set_input_files("#report-form input[type=file]",
                         files=[{"name": "照片.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00not a pdf"}])
    with journey.refused("/reports", 422):
        page.click("#report-form button[type=submit]")
        page.wait_for_load_state()
    assert page.locator("#report-form textarea[name=text]").input_value() == text  # kept, not lost
    assert page.locator("#report-form input[name=percent_done]").input_value() == "35"
    assert "照片.pdf" in page.locator(".flash.error").inner_text()
    page.set_input_files("#report-form input[type=file]", files=[])
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("article.report", has_text=text).count() == 1
    page.reload()  # a GET after the redirect: nothing is sent again
    assert page.locator("article.report", has_text=text).count() == 1


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_supervision_staff_work_the_queue_the_ledger_and_the_circulars(journey, language):
    page = journey.page
    journey.login("duchashi", language)
    journey.walk_the_menu()
    page.goto(journey.live_server("/review/"))
    page.locator("#queue a.item-link").first.click()
    page.wait_for_load_state()
    assert page.locator("#item-reasons li").count() >= 1
    page.go_back()
    page.wait_for_load_state()
    assert page.locator("#queue").is_visible()
    page.goto(journey.live_server("/ledger/"))
    with page.expect_download() as download:
        page.click("a[href*='export.xlsx']")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(journey.live_server("/dashboard/"))
    page.goto(journey.live_server("/circulars/"))
    circular = page.locator("main a[href*='/circulars/']").filter(has_not_text=re.compile("^$"))
    assert circular.count() >= 1


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_leader_reads_the_dashboard_and_the_queue(journey, language):
    page = journey.page
    journey.login("shizhang", language)
    journey.walk_the_menu()
    page.goto(journey.live_server("/dashboard/"))
    assert page.locator("main svg, main table").count() >= 1


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_an_evaluator_downloads_the_template_and_sees_every_problem_of_a_bad_file(journey, language):
    page = journey.page
    journey.login("pinggu", language)
    journey.walk_the_menu()
    page.goto(journey.live_server("/evaluations/upload"))
    page.set_input_files("input[type=file]", files=[_xlsx([["evaluator", "batch", "matter_code", "unit_code",
                                                              "indicator", "score", "evaluated_on"],
                                                             ["x", "b", "NO-SUCH", "990102", "q1", "101",
                                                              "2026-13-01"]], "评估.xlsx")])
    page.click("#check-file")
    page.wait_for_selector("#import-result")
    assert page.locator("#import-result").is_visible()
    assert page.locator("table tbody tr").count() >= 2  # each problem on its own line


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_an_administrator_and_an_auditor_walk_their_pages(journey, language):
    page = journey.page
    journey.login("admin", language)
    links = journey.walk_the_menu()
    assert any(link.startswith("/users/") for link in links)
    page.goto(journey.live_server("/audit/"))
    assert page.locator("h1").is_visible()
    journey.login("shenji", language)
    journey.walk_the_menu()
    page.goto(journey.live_server("/findings/upload"))
    page.set_input_files("input[type=file]", files=[{"name": "findings.xlsx", "mimeType": "application/zip",
                                                      "buffer": b"PK\x03\x04 not really a workbook"}])
    page.click("#check-file")
    page.wait_for_selector("#import-result")
    assert "xlsx" in page.locator("main").inner_text().lower()  # the refusal names the file's problem
