"""Form render tokens: bound to their survey and browser, good for three days, and unforgeable."""
from __future__ import annotations

from datetime import datetime

import pytest
from itsdangerous import TimestampSigner

from plugins.survey.tokens import (
    RENDER_TOKEN_MAX_AGE,
    TokenRejected,
    _signer,
    issue_render_token,
    read_render_token,
)

SECRET = "a-secret"
BROWSER = "0123456789abcdef0123456789abcdef"
OPENED = datetime(2026, 11, 28, 9, 30, 15)


def test_a_token_says_its_survey_key_and_when_the_form_was_opened() -> None:
    token = issue_render_token(SECRET, 7, OPENED, BROWSER)
    read = read_render_token(SECRET, token, 7, BROWSER)
    assert read.survey_id == 7 and read.started == OPENED
    assert read.key.startswith("w:") and len(read.key) == 34
    assert read_render_token(SECRET, issue_render_token(SECRET, 7, OPENED, BROWSER), 7, BROWSER).key != read.key


@pytest.mark.parametrize("survey_id, browser, secret, message", [
    (8, BROWSER, SECRET, "could not be verified"),  # another survey's form
    (7, "f" * 32, SECRET, "another browser"),  # the cookie of another browser
    (7, "", SECRET, "another browser"),  # no cookie
    (7, BROWSER, "another-secret", "could not be verified"),  # another instance's key
])
def test_a_token_is_refused_elsewhere(survey_id: int, browser: str, secret: str, message: str) -> None:
    token = issue_render_token(SECRET, 7, OPENED, BROWSER)
    with pytest.raises(TokenRejected) as refused:
        read_render_token(secret, token, survey_id, browser)
    assert message in str(refused.value.message.msgid)


@pytest.mark.parametrize("token", [
    "", "forged", "7.abc.def.1", "7." + "a" * 32 + "." + BROWSER + ".1.AAAA.BBBB",
])
def test_a_forged_token_is_refused(token: str) -> None:
    with pytest.raises(TokenRejected):
        read_render_token(SECRET, token, 7, BROWSER)


@pytest.mark.parametrize("value", [
    f"7.{'a' * 32}.{BROWSER}",  # a part missing
    f"7.{'g' * 32}.{BROWSER}.1",  # a key that is not hex
    f"7.{'a' * 32}.{BROWSER}.yesterday",
    f"07.{'a' * 32}.{BROWSER}.1",
])
def test_a_well_signed_token_of_the_wrong_shape_is_refused(value: str) -> None:
    with pytest.raises(TokenRejected):
        read_render_token(SECRET, _signer(SECRET).sign(value).decode(), 7, BROWSER)


def test_a_form_opened_more_than_three_days_ago_must_be_reloaded(monkeypatch) -> None:
    token = issue_render_token(SECRET, 7, OPENED, BROWSER)
    signed_at = _signer(SECRET).unsign(token, return_timestamp=True)[1].timestamp()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(signed_at) + RENDER_TOKEN_MAX_AGE + 1)
    with pytest.raises(TokenRejected) as refused:
        read_render_token(SECRET, token, 7, BROWSER)
    assert "too long ago" in str(refused.value.message.msgid)
