"""From the users' side: while the model trains and stores itself, other staff keep reading the queue and
task pages in Chromium, on the default SQLite, and never get an error page.

Training used to hold SQLite's write lock while pages rescored on GET: 34 of 267 requests failed
with "database is locked" in a manual walk.
"""
from __future__ import annotations

import threading

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_staff_keep_reading_the_queue_while_a_training_runs(browser, live_server):
    trainer_context, reader_context = browser.new_context(locale="zh-CN"), browser.new_context(locale="zh-CN")
    trainer, reader = trainer_context.new_page(), reader_context.new_page()
    statuses: list[tuple[int, str]] = []
    errors: list[str] = []
    reader.on("response", lambda response: statuses.append((response.status, response.url)))
    reader.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        browser_login(trainer, live_server, "duchashi", "demo-duchashi-2026")
        browser_login(reader, live_server, "qingshan", "demo-qingshan-2026")
        reader.goto(live_server("/review/"))
        task_pages = reader.eval_on_selector_all("#queue a.item-link", "links => links.map(a => a.href)")[:5]
        assert task_pages

        trainer.goto(live_server("/review/model"))
        trainer.click("#train")
        trainer.wait_for_url(live_server("/review/model"))
        queue = live_server.app.extensions["duban.jobs"]
        failures: list[BaseException] = []

        def consume() -> None:  # the job consumer's part: the training, and what it queues after
            try:
                while (task := queue.huey.dequeue()) is not None:
                    queue.huey.execute(task)
            except BaseException as error:  # reported by the test below
                failures.append(error)

        consumer = threading.Thread(target=consume)
        consumer.start()
        reads = during = 0
        while consumer.is_alive() or reads < 10:
            for url in [live_server("/review/"), *task_pages]:
                training = consumer.is_alive()
                reader.goto(url)
                reads += 1
                during += training
        consumer.join()
        assert during >= 1  # pages were read while the training ran
        assert not failures, failures
        trainer.reload()
        assert trainer.locator("#training-run.done").count() == 1  # the training did run meanwhile
        pages = [(status, url) for status, url in statuses if "/static/" not in url]
        assert len(pages) >= 10
        assert [entry for entry in pages if entry[0] >= 400] == []
        assert errors == []
    finally:
        trainer_context.close()
        reader_context.close()
