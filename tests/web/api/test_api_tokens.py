"""API tokens expire, may be read-only, and die with their owner's password."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from core.access.models import Role
from core.access.tokens import ApiToken, create_token_for
from core.db import utcnow


def _headers(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_expires_after_its_days(client, org, db_session):
    user = org.user("bridge", Role.supervisor, org.city_a)
    _token, secret = create_token_for(db_session, user, days=30)
    db_session.commit()
    token = db_session.query(ApiToken).one()
    assert timedelta(days=29, hours=23) < token.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) \
        <= timedelta(days=30)
    assert client.get("/api/v1/me", headers=_headers(secret)).status_code == 200
    db_session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    response = client.get("/api/v1/me", headers=_headers(secret))
    assert response.status_code == 401
    assert "过期" in response.get_json()["error"]["message"]


def test_a_read_only_token_reads_but_changes_nothing(client, org, db_session):
    user = org.user("bridge", Role.supervisor, org.city_a)
    _token, secret = create_token_for(db_session, user, read_only=True)
    db_session.commit()
    assert client.get("/api/v1/me", headers=_headers(secret)).status_code == 200
    assert client.get("/api/v1/tasks", headers=_headers(secret)).status_code == 200
    response = client.post("/api/v1/tips", json={"text": "路灯坏了", "source": "public"},
                           headers=_headers(secret), csrf=False)
    assert response.status_code == 403
    assert "只读" in response.get_json()["error"]["message"]
    response = client.post("/api/v1/signals", json={"signals": []}, headers=_headers(secret), csrf=False)
    assert response.status_code == 403


def test_a_password_change_revokes_the_owners_tokens(client, auth, org, db_session):
    user = org.user("bridge", Role.supervisor, org.city_a)
    other = org.user("other", Role.supervisor, org.city_b)
    _token, secret = create_token_for(db_session, user)
    _token, others = create_token_for(db_session, other)
    db_session.commit()
    auth.login("bridge")
    client.post("/account/password", data={
        "current": "correct-horse-battery", "new": "another-long-secret", "confirm": "another-long-secret"})
    assert client.get("/api/v1/me", headers=_headers(secret)).status_code == 401
    assert client.get("/api/v1/me", headers=_headers(others)).status_code == 200


def test_token_create_takes_days_and_read_only_and_prints_the_token_last(runner, client, org):
    org.user("bridge", Role.supervisor, org.city_a)
    result = runner.invoke(args=["token", "create", "bridge", "--days", "7", "--read-only"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers=_headers(secret)).status_code == 200
    assert client.post("/api/v1/signals", json={"signals": []}, headers=_headers(secret),
                       csrf=False).status_code == 403
    listing = runner.invoke(args=["token", "list", "bridge"]).output
    assert "read-only" in listing and "active" in listing
    from core import clock

    token = next(t for t in tokens_of_bridge(runner) if t.read_only)
    assert f"expires {clock.local_text(token.expires_at)}" in listing  # the office's time, not UTC
    assert runner.invoke(args=["token", "create", "bridge", "--days", "0"]).exit_code != 0
    assert runner.invoke(args=["token", "create", "bridge", "--days", "400"]).exit_code != 0


def test_the_tokens_page_creates_a_read_only_token_with_its_days(client, auth, org, db_session):
    import re

    org.user("sup", Role.supervisor, org.province)
    auth.login("sup")
    page = client.post("/tokens/", data={"name": "dashboard", "days": "7", "read_only": "y"}).get_data(as_text=True)
    secret = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    token = db_session.query(ApiToken).one()
    assert token.read_only and token.expires_at.replace(tzinfo=None) - token.created_at.replace(tzinfo=None) \
        == timedelta(days=7)
    assert client.post("/api/v1/signals", json={"signals": []}, headers=_headers(secret), csrf=False).status_code == 403
    assert client.post("/tokens/", data={"days": "0"}).status_code == 400


def tokens_of_bridge(runner):
    from core.access.tokens import tokens_of

    app = runner.app
    with app.extensions["duban.db"].session() as session:
        return list(tokens_of(session, "bridge"))
