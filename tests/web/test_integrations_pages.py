"""Pages for API tokens, webhook subscribers and failed jobs."""
from __future__ import annotations

import re

from sqlalchemy import select

from core.access.models import Role
from core.access.tokens import ApiToken
from core.jobs import JobFailure
from core.webhooks import WebhookSubscriber


def test_a_supervisor_creates_a_token_sees_it_once_and_revokes_it(client, auth, org, db_session):
    org.user("sup", Role.supervisor, org.city_a)
    auth.login("sup")
    page = client.post("/tokens/", data={"name": "nightly export"}).get_data(as_text=True)
    secret = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in client.get("/tokens/").get_data(as_text=True)  # shown only once
    token = db_session.scalar(select(ApiToken))
    client.post(f"/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_only_administrators_create_tokens_for_other_accounts(client, auth, org, db_session):
    org.user("sup", Role.supervisor, org.city_a)
    org.user("root", Role.admin)
    auth.login("sup")
    assert client.post("/tokens/", data={"username": "root"}).status_code == 400
    assert db_session.scalar(select(ApiToken)) is None
    auth.logout()
    auth.login("root")
    assert client.post("/tokens/", data={"username": "sup"}).status_code == 200
    db_session.expire_all()
    assert db_session.scalar(select(ApiToken)).user.username == "sup"


def test_a_token_of_another_user_cannot_be_revoked_by_id(client, auth, org, db_session):
    from core.access.tokens import create_token_for

    other = org.user("sup_b", Role.supervisor, org.city_b)
    token, _ = create_token_for(db_session, other)
    db_session.commit()
    org.user("sup", Role.supervisor, org.city_a)
    auth.login("sup")
    assert client.post(f"/tokens/{token.id}/revoke").status_code == 404


def test_an_administrator_adds_a_webhook_subscriber(client, auth, org, db_session):
    org.user("root", Role.admin)
    auth.login("root")
    response = client.post("/webhooks/", data={"name": "ops", "url": "https://ops.example.gov.cn/hook",
                                               "events": ["task.state_changed", "tip.created"], "active": "y"})
    assert response.status_code == 302
    subscriber = db_session.scalar(select(WebhookSubscriber))
    assert subscriber.events == ["task.state_changed", "tip.created"] and len(subscriber.secret) == 64
    assert client.post("/webhooks/", data={"url": "ftp://x", "events": ["tip.created"]}).status_code == 400


def test_failed_jobs_are_listed_for_administrators_only(client, auth, org, db_session):
    db_session.add(JobFailure(job="deliver_webhooks", job_id="1", arguments=[], error="Traceback\nOSError: down"))
    db_session.commit()
    org.user("root", Role.admin)
    org.user("sup", Role.supervisor, org.city_a)
    auth.login("sup")
    assert client.get("/jobs/").status_code == 403
    auth.logout()
    auth.login("root")
    assert "OSError: down" in client.get("/jobs/").get_data(as_text=True)
