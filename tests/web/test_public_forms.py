"""Public form tokens: bound to their form and browser, good for three days, unforgeable; and a form
sent again through ``submit_once`` does its work once, answering with the first result."""
from __future__ import annotations

from datetime import datetime

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import text

from web.public_forms import (
    FORM_TOKEN_MAX_AGE,
    FormToken,
    FormTokenRejected,
    _signer,
    check_form_token,
    sign_form_token,
    submit_once,
)

SECRET = "a-secret"
BROWSER = "0123456789abcdef0123456789abcdef"
OPENED = datetime(2026, 11, 28, 9, 30, 15)


def test_a_token_says_its_form_key_browser_and_when_the_form_was_opened() -> None:
    token = sign_form_token(SECRET, "survey:7", BROWSER, OPENED)
    read = check_form_token(SECRET, token, "survey:7", BROWSER)
    assert (read.form, read.browser, read.opened) == ("survey:7", BROWSER, OPENED)
    assert len(read.key) == 32
    assert check_form_token(SECRET, sign_form_token(SECRET, "survey:7", BROWSER, OPENED), "survey:7",
                            BROWSER).key != read.key


@pytest.mark.parametrize("form, browser, secret, message", [
    ("survey:8", BROWSER, SECRET, "could not be verified"),  # another form
    ("media_tips:tip", BROWSER, SECRET, "could not be verified"),
    ("survey:7", "f" * 32, SECRET, "another browser"),  # the cookie of another browser
    ("survey:7", "", SECRET, "another browser"),  # no cookie
    ("survey:7", BROWSER, "another-secret", "could not be verified"),  # another instance's key
])
def test_a_token_is_refused_elsewhere(form: str, browser: str, secret: str, message: str) -> None:
    token = sign_form_token(SECRET, "survey:7", BROWSER, OPENED)
    with pytest.raises(FormTokenRejected) as refused:
        check_form_token(secret, token, form, browser)
    assert message in str(refused.value.message.msgid)


@pytest.mark.parametrize("token", [
    "", "forged", "survey:7.abc.def.1", "survey:7." + "a" * 32 + "." + BROWSER + ".1.AAAA.BBBB",
])
def test_a_forged_token_is_refused(token: str) -> None:
    with pytest.raises(FormTokenRejected):
        check_form_token(SECRET, token, "survey:7", BROWSER)


@pytest.mark.parametrize("value", [
    f"survey:7.{'a' * 32}.{BROWSER}",  # a part missing
    f"survey:7.{'g' * 32}.{BROWSER}.1",  # a key that is not hex
    f"survey:7.{'a' * 32}.{BROWSER}.yesterday",
    f"survey:07.{'a' * 32}.{BROWSER}.1",
])
def test_a_well_signed_token_of_the_wrong_shape_is_refused(value: str) -> None:
    with pytest.raises(FormTokenRejected):
        check_form_token(SECRET, _signer(SECRET).sign(value).decode(), "survey:7", BROWSER)


def test_a_form_opened_more_than_three_days_ago_must_be_reloaded(monkeypatch) -> None:
    token = sign_form_token(SECRET, "survey:7", BROWSER, OPENED)
    signed_at = _signer(SECRET).unsign(token, return_timestamp=True)[1].timestamp()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(signed_at) + FORM_TOKEN_MAX_AGE + 1)
    with pytest.raises(FormTokenRejected) as refused:
        check_form_token(SECRET, token, "survey:7", BROWSER)
    assert "too long ago" in str(refused.value.message.msgid)


def test_a_form_name_with_a_dot_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        sign_form_token(SECRET, "survey.7", BROWSER, OPENED)


def test_the_work_of_one_rendering_is_done_once_and_its_result_given_back(app, db_session) -> None:
    token = FormToken("tests:form", "ab" * 16, BROWSER, OPENED)
    done: list[int] = []

    def work() -> dict[str, int]:
        db_session.execute(text("SELECT 1"))
        done.append(len(done) + 1)
        return {"number": len(done)}

    first = submit_once(db_session, token, work)
    again = submit_once(db_session, token, work)
    other = submit_once(db_session, FormToken("tests:form", "cd" * 16, BROWSER, OPENED), work)
    assert (first.result["number"], first.again) == (1, False)
    assert (again.result["number"], again.again) == (1, True)
    assert (other.result["number"], other.again) == (2, False)
    assert done == [1, 2]
    assert first.result["browser"] == token.browser_digest != BROWSER
