"""Feeds polled by the ``poll_feeds`` job: each bad feed fails alone, with its reason logged and kept."""
from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from core.outbound import UNREACHABLE
from plugins.media_tips import feeds as feed_module
from plugins.media_tips.feeds import poll_feeds
from plugins.media_tips.models import Tip, TipFeed, TipSource

GOOD_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>示范日报</title>
<item><title>河东区老旧小区改造加装电梯迟迟未动工</title><link>http://news.test/a/1</link><guid>a-1</guid>
<description>&lt;p&gt;记者走访河东区东湖街道，居民反映小区改造停工已有三个月。&lt;/p&gt;</description>
<pubDate>Mon, 02 Mar 2026 08:00:00 +0800</pubDate></item>
<item><title>春季花卉展开幕</title><link>http://news.test/a/2</link><guid>a-2</guid>
<description>市民赏花踏青。</description></item>
</channel></rss>"""


class FeedHandler(BaseHTTPRequestHandler):
    """Serves one good feed and each kind of bad one."""

    def do_GET(self) -> None:
        if self.path == "/good.xml":
            self._send(GOOD_RSS.encode("utf-8"), "application/rss+xml")
        elif self.path == "/malformed.xml":
            self._send(b"<html><body>this is not a feed <<<", "text/html")
        elif self.path == "/huge.xml":
            self._send(b"<rss>" + b"x" * (64 * 1024) + b"</rss>", "application/rss+xml")
        elif self.path == "/unsized.xml":  # no Content-Length: the cap must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"x" * 1024)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/elsewhere.xml":
            port = self.server.server_address[1]  # type: ignore[index]  # an HTTP server's address is (host, port)
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/good.xml")  # another host name
            self.end_headers()
        elif self.path == "/silent.xml":
            time.sleep(3)
            self._send(GOOD_RSS.encode("utf-8"), "application/rss+xml")
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _feed(db_session, org, url: str, name: str) -> TipFeed:
    feed = TipFeed(name=name, url=url, home_unit_id=org.city_a.id)
    db_session.add(feed)
    db_session.flush()
    return feed


NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
# The test server listens on a loopback address, which only an operator's allow-list opens.
LOCAL = ["127.0.0.1"]


@pytest.fixture
def app_config():
    # A short timeout keeps the jobs' polls of a silent feed short (the plugin's setting).
    return {"OUTBOUND_ALLOWED_HOSTS": LOCAL, "PLUGIN_SETTINGS": {"media_tips": {"feed_timeout_seconds": 1}}}


def test_each_bad_feed_fails_alone_and_the_good_one_still_brings_tips(db_session, org, ledger, feed_server, caplog):
    good = _feed(db_session, org, feed_server + "/good.xml", "good")
    bad = {name: _feed(db_session, org, f"{feed_server}/{name}.xml", name)
           for name in ("malformed", "huge", "unsized", "elsewhere", "silent")}
    caplog.set_level(logging.WARNING, logger="duban.media_tips")
    started = time.monotonic()
    lines = poll_feeds(db_session, NOW, timeout=1.0, max_bytes=16 * 1024, allowed_hosts=LOCAL)
    assert time.monotonic() - started < 10

    tips = list(db_session.scalars(select(Tip).where(Tip.feed_id == good.id)))
    assert [tip.title for tip in tips] == ["河东区老旧小区改造加装电梯迟迟未动工"]  # the flower show is no tip
    assert tips[0].source == TipSource.media and tips[0].matter_id == ledger.housing.id
    assert "<p>" not in tips[0].text
    assert good.last_error == "" and good.items_added == 1
    assert "malformed" in bad["malformed"].last_error
    assert "larger than" in bad["huge"].last_error
    assert "larger than" in bad["unsized"].last_error
    # A redirect to another name for the same loopback address is checked again, and refused;
    # a feed that does not answer in time gets the same message as a refused one.
    assert bad["elsewhere"].last_error == UNREACHABLE
    assert bad["silent"].last_error == UNREACHABLE
    for name, feed in bad.items():
        assert feed.last_ok_at is None and feed.last_polled_at == NOW
        assert any(feed.url in record.getMessage() for record in caplog.records), name
    assert len(lines) == 6


def test_polling_twice_adds_nothing_new(db_session, org, ledger, feed_server):
    _feed(db_session, org, feed_server + "/good.xml", "good")
    poll_feeds(db_session, NOW, timeout=2.0, allowed_hosts=LOCAL)
    poll_feeds(db_session, NOW, timeout=2.0, allowed_hosts=LOCAL)
    assert len(list(db_session.scalars(select(Tip)))) == 1


def test_feeds_are_polled_by_a_periodic_job_of_their_own_not_by_the_tick_hook(
        app, db_session, org, ledger, feed_server):
    feed = _feed(db_session, org, feed_server + "/good.xml", "good")
    db_session.commit()
    pm = app.extensions["duban.plugins"]
    pm.hook.duban_tick(session=db_session, now=NOW)
    assert db_session.scalar(select(Tip)) is None  # the tick leaves feeds to their job

    queue = app.extensions["duban.jobs"]
    assert "poll_feeds.periodic" in {task.name for task in queue.huey._registry.periodic_tasks}
    queue.huey.flush()
    queue.enqueue("poll_feeds")
    lines = queue.huey.execute(queue.huey.dequeue())
    assert lines == [f"feed {feed.id}: 1 new tip(s)"]
    assert [tip.feed_id for tip in db_session.scalars(select(Tip))] == [feed.id]


@pytest.mark.parametrize("app_config", [{"JOB_SCHEDULES": {"poll_feeds": "0 * * * *"}},
                                        {"JOB_SCHEDULES": {"poll_feeds": ""}}])
def test_the_feed_schedule_is_configurable(app, app_config):
    huey = app.extensions["duban.jobs"].huey
    periodic = {task.name: task for task in huey._registry.periodic_tasks}
    if app_config["JOB_SCHEDULES"]["poll_feeds"]:
        hourly = periodic["poll_feeds.periodic"].validate_datetime
        assert hourly(datetime(2026, 3, 3, 9, 0)) and not hourly(datetime(2026, 3, 3, 9, 5))
    else:
        assert "poll_feeds.periodic" not in periodic
    assert "poll_feeds" in app.extensions["duban.jobs"].tasks  # it can still be queued by hand


def test_duban_tick_still_polls_feeds_where_cron_drives_the_instance(
        runner, db_session, org, ledger, feed_server):
    feed = _feed(db_session, org, feed_server + "/good.xml", "good")
    db_session.commit()
    result = runner.invoke(args=["tick"])
    assert f"feed {feed.id}: 1 new tip(s)" in result.output, result.output
    assert db_session.scalar(select(Tip)).feed_id == feed.id


@pytest.mark.parametrize("app_config", [{"OUTBOUND_ALLOWED_HOSTS": LOCAL, "PLUGIN_SETTINGS": {
    "media_tips": {"feed_timeout_seconds": 1, "feed_max_bytes": 16 * 1024}}}])
def test_the_job_reads_feeds_within_the_plugins_settings(app, db_session, org, ledger, feed_server, app_config):
    good = _feed(db_session, org, feed_server + "/good.xml", "good")
    huge = _feed(db_session, org, feed_server + "/huge.xml", "huge")  # 64 KiB: read under the 2 MiB default
    db_session.commit()
    with app.app_context():
        lines = feed_module.poll_feeds_job(app.extensions["duban.jobs"].runtime)
    db_session.expire_all()
    assert f"feed {good.id}: 1 new tip(s)" in lines
    assert "larger than" in db_session.get(TipFeed, huge.id).last_error


def test_staff_add_only_http_feeds_and_see_the_last_problem(client, auth, db_session, org, people):
    auth.login("city_a")
    page = client.post("/tips/feeds", data={"name": "本地文件", "url": "file:///etc/passwd"})
    assert "http://" in page.get_data(as_text=True)
    assert db_session.scalar(select(TipFeed)) is None
    client.post("/tips/feeds", data={"name": "日报", "url": "https://news.example.cn/rss.xml"})
    feed = db_session.scalar(select(TipFeed))
    assert feed.home_unit_id == org.city_a.id and feed.active
    feed.last_error = "HTTP 500"
    db_session.commit()
    assert "HTTP 500" in client.get("/tips/feeds").get_data(as_text=True)
    client.post(f"/tips/feeds/{feed.id}/toggle")
    db_session.expire_all()
    assert not db_session.get(TipFeed, feed.id).active
    auth.logout()
    auth.login("city_b")
    assert client.post(f"/tips/feeds/{feed.id}/toggle").status_code == 404
    assert "news.example.cn" not in client.get("/tips/feeds").get_data(as_text=True)
