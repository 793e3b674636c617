"""Only a valid bearer token opens the API; the session cookie never does."""
from __future__ import annotations

from core.access.models import Role
from core.access.tokens import ApiToken, create_token_for


def test_no_token_or_a_wrong_one_is_401_with_a_json_message(api, ledger):
    for caller in (api(None), api("dbn_not-a-real-token"), api("something-else")):
        response = caller.get("/api/v1/matters")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"]["message"]


def test_a_logged_in_browser_session_does_not_open_the_api(client, auth, api, ledger):
    ledger.org.user("root", Role.admin)
    auth.login("root")
    assert client.get("/").status_code == 200
    assert api(None).get("/api/v1/matters").status_code == 401
    assert api(None).post("/api/v1/signals", {"signals": []}).status_code == 401


def test_revoked_tokens_and_deactivated_accounts_stop_working(api, ledger, db_session):
    secret = ledger.token("sup_a", Role.supervisor, ledger.org.city_a)
    assert api(secret).get("/api/v1/me").status_code == 200
    token = db_session.query(ApiToken).one()
    assert token.last_used_at is not None and secret.startswith(token.prefix)
    token.user.active = False
    db_session.commit()
    assert api(secret).get("/api/v1/me").status_code == 401
    token.user.active = True
    token.revoked_at = token.created_at
    db_session.commit()
    assert api(secret).get("/api/v1/me").status_code == 401


def test_the_token_is_stored_only_as_a_digest(ledger, db_session):
    secret = ledger.token("sup_a", Role.supervisor, ledger.org.city_a)
    token = db_session.query(ApiToken).one()
    assert secret not in (token.digest, token.prefix) and len(token.digest) == 64


def test_unknown_api_paths_answer_json_404(api, ledger):
    response = api(ledger.token("root", Role.admin)).get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_api_is_rate_limited_per_token(client, db_session, org, app):
    from core.access.tokens import create_token_for

    app.config["API_RATE_LIMIT"] = "3 per minute"
    _token, secret = create_token_for(db_session, org.user("root", Role.admin))
    db_session.commit()
    codes = [client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_errors_speak_the_token_accounts_language(api, ledger, db_session):
    chinese = api(ledger.token("sup_zh", Role.supervisor, ledger.org.city_a))
    english_user = ledger.org.user("sup_en", Role.supervisor, ledger.org.city_a)
    english_user.locale = "en"
    db_session.commit()
    _token, secret = create_token_for(db_session, english_user)
    db_session.commit()
    assert api(secret).get("/api/v1/tasks?state=bogus").get_json()["error"]["message"].startswith(
        "Parameter state must be one of:")
    assert chinese.get("/api/v1/tasks?state=bogus").get_json()["error"]["message"].startswith("参数 state")
