"""A feed or webhook address that points inside the network is refused as it is saved, with a form error."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.access.models import Role
from core.webhooks import WebhookSubscriber
from plugins.media_tips.models import TipFeed

REFUSED = "内部网络"  # part of the Chinese form error


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"OUTBOUND_ALLOWED_HOSTS": "feeds.intranet.example, 10.0.0.8"}  # as DUBAN_OUTBOUND_ALLOWED_HOSTS gives it


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/", "http://localhost:8080/rss", "http://0x7f000001:22/",
                                 "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest"])
def test_a_supervisor_cannot_add_a_feed_on_an_internal_address(client, auth, db_session, org, url) -> None:
    org.user("city", Role.supervisor, org.city_a, head=True)
    auth.login("city")
    response = client.post("/tips/feeds", data={"name": "内网", "url": url})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert db_session.scalar(select(TipFeed)) is None


def test_allow_listed_hosts_may_be_added(client, auth, db_session, org) -> None:
    org.user("city", Role.supervisor, org.city_a, head=True)
    auth.login("city")
    for url in ("http://feeds.intranet.example/rss", "http://10.0.0.8:8080/rss"):
        client.post("/tips/feeds", data={"name": "内网", "url": url})
    assert sorted(db_session.scalars(select(TipFeed.url))) == ["http://10.0.0.8:8080/rss",
                                                               "http://feeds.intranet.example/rss"]


def test_a_webhook_cannot_point_at_an_internal_address(client, auth, db_session, org) -> None:
    org.user("root", Role.admin, org.province)
    auth.login("root")
    refused = client.post("/webhooks/", data={"name": "x", "url": "http://[::1]:9000/hook", "events": ["tip.created"],
                                              "active": "y"})
    assert refused.status_code == 400 and REFUSED in refused.get_data(as_text=True)
    assert db_session.scalar(select(WebhookSubscriber)) is None
    client.post("/webhooks/", data={"name": "x", "url": "http://10.0.0.8/hook", "events": ["tip.created"],
                                    "active": "y"})
    assert db_session.scalar(select(WebhookSubscriber.url)) == "http://10.0.0.8/hook"
