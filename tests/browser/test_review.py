"""Supervision staff in Chromium: queue, reasons, a round of 20 with its random share, an outcome, retraining
(queued as a job, run here by hand as the consumer would)."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def _login(page, live_server) -> None:
    page.goto(live_server("/login"))
    page.fill("input[name=username]", "duchashi")
    page.fill("input[name=password]", "demo-duchashi-2026")
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url(live_server("/"))


def test_staff_plan_a_round_record_an_outcome_and_retrain(page, live_server):
    _login(page, live_server)
    page.click("nav.menu summary >> text=督查与通报")  # the queue sits in its menu group
    page.click("nav.menu >> text=复核队列")
    assert page.locator("#queue tbody tr").count() >= 10
    page.locator("#queue a.item-link").first.click()
    reasons = page.locator("#item-reasons li")
    assert reasons.count() >= 1 and reasons.first.inner_text().strip()
    assert page.locator("#item-score").is_visible()

    page.goto(live_server("/review/model"))
    trained_before = page.locator("#metric-outcomes").inner_text()

    page.goto(live_server("/review/rounds"))
    page.fill("#name", "浏览器测试轮次")
    page.fill("#budget", "20")
    page.fill("#random_share", "0.1")
    page.click("#plan-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/review/rounds/\d+$"))
    assert page.locator("#visits tbody tr.random").count() >= 1  # the random share is drawn and flagged
    assert page.locator("#visits tbody tr").count() >= 10

    page.click("#start-round")  # outcomes are recorded once the round has started
    page.wait_for_url(re.compile(r".*/review/rounds/\d+$"))
    page.locator("#visits a.record-outcome").first.click()
    page.check("input[name=problem_found][value='1']")
    page.select_option("#severity", "major")
    page.fill("#findings", "现场核查发现进度与报送不符。")
    page.click("#outcome-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/review/rounds/\d+$"))
    assert "复核结果已记录" in page.inner_text("main")

    page.goto(live_server("/review/model"))
    page.click("#train")
    page.wait_for_url(live_server("/review/model"))
    assert "后台训练" in page.inner_text("main")  # queued as the train_model job, not trained in the request
    assert page.locator("#training-run.queued").count() == 1
    queue = live_server.app.extensions["duban.jobs"]
    while (task := queue.huey.dequeue()) is not None:  # the consumer's part, driven by hand
        queue.huey.execute(task)
    page.reload()
    assert "训练已于" in page.locator("#training-run.done").inner_text()
    assert page.locator("#metric-outcomes").inner_text() != trained_before
    assert page.locator("#calibration-plot circle").count() >= 1
