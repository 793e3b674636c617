"""Public forms sent once: a single-use token per rendered form, then Post/Redirect/Get.

Every public form (a tip, a survey's answers) works the same way:

1. Drawing the form, the view puts :func:`issue_form_token` in a hidden ``form_token`` field:
   the form's name, 128 random bits (the rendering's key), the browser's random cookie
   (``duban_browser``) and when the form was opened, signed with the instance's secret key.
2. On a post, :func:`read_form_token` checks the signature, the form's name, the age and the
   cookie: another site can neither read the cookie nor send it with a cross-site post
   (``SameSite=Lax``), so the token also stands in for a session-bound CSRF token, and it
   stays good as long as the form does (answers typed over a long day are not lost).
3. The view does its work through :func:`submit_once`, which stores the rendering's key
   with what was done in the same transaction, in core's idempotency table, so every server
   process sees it. A second post of the same rendering (a reload of the answer to a post,
   Back and send) does nothing and gets the first post's result back; a form that keeps its
   own unique key (a survey response's submission key) may use ``token.key`` for it instead.
4. The view answers with a 303 redirect to a page that shows the result: reloading that page
   sends nothing. What only this browser may see again there (a receipt code shown once) is
   kept for an hour in a signed cookie sent to that page alone (:func:`remember`, :func:`remembered`).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core import idempotency
from core.db import utcnow
from core.errors import ValidationError
from core.i18n import N_

# A form may stay open on a phone for a while; after this it must be reloaded.
FORM_TOKEN_MAX_AGE = 3 * 24 * 3600
# The browser cookie form tokens are bound to: random, kept only in the browser and the tokens.
BROWSER_COOKIE = "duban_browser"
BROWSER_COOKIE_AGE = 30 * 24 * 3600
# What a browser may see again after sending a form, for this long (seconds), in this cookie.
REMEMBER_FOR = 3600
SENT_COOKIE = "duban_sent"
_BROWSER = "browser"
# A browser nonce and a rendering's key alike: 128 random bits in hex.
_RANDOM_HEX = re.compile(r"[0-9a-f]{32}")
# A form's name: "media_tips:tip", "survey:12" (no dots: they separate the token's parts).
_FORM_NAME = re.compile(r"[a-z0-9_:-]{1,80}")


class FormTokenRejected(ValidationError):
    """A form token that is forged, expired, for another form or from another browser."""


@dataclass(frozen=True)
class FormToken:
    """What a rendered form's token says."""

    form: str
    key: str  # 32 hex digits, unique to the rendering
    browser: str  # the browser cookie's random value
    opened: datetime  # when the form was drawn, as the clock the view passed read (naive)

    @property
    def key_digest(self) -> str:
        """The rendering's key as a record may keep it (the key itself opens the result page)."""
        return hashlib.sha256(("duban-form:" + self.key).encode("ascii")).hexdigest()[:32]

    @property
    def browser_digest(self) -> str:
        """The browser's cookie as a record may keep it: tells two posts from one browser, and nothing more."""
        return hashlib.sha256(("duban-browser:" + self.browser).encode("ascii")).hexdigest()[:32]


@dataclass(frozen=True)
class Sent:
    """What :func:`submit_once` did: the work's result, and whether it was done by an earlier post."""

    result: dict[str, Any]
    again: bool


@lru_cache(maxsize=8)  # one per secret key: built once, not on every form sent
def _signer(secret: str) -> TimestampSigner:
    # "form.key.browser.opened", timestamped and signed: every part is a name without dots, hex or digits.
    return TimestampSigner(secret, salt="duban-public-form")


def browser_nonce(cookie: str | None) -> tuple[str, bool]:
    """The browser's nonce from its cookie, or a new one: (nonce, whether it is new)."""
    if cookie and _RANDOM_HEX.fullmatch(cookie):
        return cookie, False
    return secrets.token_hex(16), True


def sign_form_token(secret: str, form: str, browser: str, opened: datetime) -> str:
    """A new token for one rendering of ``form`` in ``browser`` (see :func:`issue_form_token`)."""
    if not _FORM_NAME.fullmatch(form):
        raise ValueError(f"a form's name is lower-case letters, digits, '_', ':' or '-', not {form!r}")
    stamp = int(opened.replace(tzinfo=UTC).timestamp())  # wall-clock time, kept as it reads
    return _signer(secret).sign(f"{form}.{secrets.token_hex(16)}.{browser}.{stamp}").decode()


def check_form_token(secret: str, token: str, form: str, browser: str) -> FormToken:
    """Check a token sent back from ``browser`` for ``form``; raises :class:`FormTokenRejected`."""
    try:
        value = _signer(secret).unsign(token or "", max_age=FORM_TOKEN_MAX_AGE).decode()
    except SignatureExpired as exc:
        raise FormTokenRejected(N_("This form was opened too long ago. Reload the page and send it again.")) from exc
    except BadSignature as exc:
        raise FormTokenRejected(N_("This form could not be verified. Reload the page and send it again.")) from exc
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != form or not _RANDOM_HEX.fullmatch(parts[1]) or not parts[3].isdigit():
        raise FormTokenRejected(N_("This form could not be verified. Reload the page and send it again."))
    if not hmac.compare_digest(parts[2], browser or ""):
        raise FormTokenRejected(N_("This form was opened in another browser, or its cookies were cleared. "
                                   "Reload the page and send it again."))
    opened = datetime.fromtimestamp(int(parts[3]), tz=UTC).replace(tzinfo=None)
    return FormToken(form, parts[1], parts[2], opened)


def issue_form_token(form: str, opened: datetime | None = None) -> str:
    """The ``form_token`` for this rendering of ``form``; sets the browser cookie when it has none.

    ``opened``: when the form was drawn, on the clock the view reads answers' times by
    (default: UTC now).
    """
    browser, new = browser_nonce(request.cookies.get(BROWSER_COOKIE))
    # Back must show this very rendering (its token already sent), even though the browser's
    # cookies have changed since (this cookie, a language): see web.sessions.
    g.duban_same_page_on_back = True
    if new:
        @after_this_request
        def _set_cookie(response: Response) -> Response:
            response.set_cookie(BROWSER_COOKIE, browser, max_age=BROWSER_COOKIE_AGE, path="/", httponly=True,
                                samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
            return response
    moment = opened or datetime.now(UTC).replace(tzinfo=None)
    return sign_form_token(current_app.config["SECRET_KEY"], form, browser, moment)


def read_form_token(form: str) -> FormToken:
    """The posted ``form_token`` of ``form``, checked against the browser's cookie.

    Raises :class:`FormTokenRejected`.
    """
    return check_form_token(current_app.config["SECRET_KEY"], request.form.get("form_token", ""), form,
                            request.cookies.get(BROWSER_COOKIE, ""))


def _owner(token: FormToken) -> tuple[str, str]:
    owner = "form:" + token.form
    # Every post of one rendering is the same request, whatever it carried: no conflict, one answer.
    return owner, hashlib.sha256(owner.encode("ascii")).hexdigest()


def sent_earlier(session: Session, token: FormToken, result: dict[str, Any],
                 within: timedelta = timedelta(hours=1)) -> str | None:
    """The key of an earlier rendering of this form that this browser sent ``within`` the last hour with
    ``result``, or None.

    For a form sent again from a fresh rendering of its page (Back fetched the page anew, and the
    browser put the typed text back): the view recognises the earlier result, and answers with
    its page instead of doing the work again.
    """
    owner, _digest = _owner(token)
    records = session.execute(select(idempotency.IdempotencyRecord.key, idempotency.IdempotencyRecord.body).where(
        idempotency.IdempotencyRecord.owner == owner, idempotency.IdempotencyRecord.created_at >= utcnow() - within)
        .order_by(idempotency.IdempotencyRecord.id.desc()))
    for key, body in records:
        if isinstance(body, dict) and body.get(_BROWSER) == token.browser_digest and \
                all(body.get(name) == value for name, value in result.items()):
            return str(key)
    return None


def submit_once(session: Session, token: FormToken, work: Callable[[], dict[str, Any]]) -> Sent:
    """Do ``work`` once per rendering of the form, store its result with the key, and commit.

    ``work`` writes through ``session`` without committing and returns what the result page
    needs (JSON: ids, not secrets); the browser's digest is stored beside it, so that only
    the browser that sent the form sees the result page (:func:`sent_result`). When the
    rendering was sent before, or another copy of this post committed first, nothing is done
    and the stored result comes back (``again``); a :class:`core.errors.DubanError` from
    ``work`` propagates and the caller rolls back.
    """
    owner, digest = _owner(token)
    answer = idempotency.run_once(session, owner, token.key, digest, lambda: idempotency.Answer(
        303, {**work(), _BROWSER: token.browser_digest}))
    return Sent(dict(answer.body), answer.replayed)


def sent_result(session: Session, form: str, key: str) -> dict[str, Any] | None:
    """The result stored for the rendering ``key`` of ``form``, when this browser sent it; else None.

    For the page a post redirects to: its address holds the key, and nobody else's browser
    may read what that post did.
    """
    if not _RANDOM_HEX.fullmatch(key or ""):
        return None
    body = session.scalar(select(idempotency.IdempotencyRecord.body).where(
        idempotency.IdempotencyRecord.owner == "form:" + form, idempotency.IdempotencyRecord.key == key))
    browser, _new = browser_nonce(request.cookies.get(BROWSER_COOKIE))
    mine = FormToken(form, key, browser, datetime.min).browser_digest
    if not isinstance(body, dict) or not hmac.compare_digest(mine, str(body.get(_BROWSER, ""))):
        return None
    return dict(body)


def remember(token: FormToken, value: str, result_path: str) -> None:
    """Keep ``value`` for this browser to see again on the result page ``result_path``, for an hour.

    Kept in a signed cookie sent only to that page: the cookies of every other page stay as
    they were, so the form page cached under ``Vary: Cookie`` is still the one Back returns to.
    """
    signed = _signer(current_app.config["SECRET_KEY"]).sign(f"{token.key}.{value}").decode()

    @after_this_request
    def _set_cookie(response: Response) -> Response:
        response.set_cookie(SENT_COOKIE, signed, max_age=REMEMBER_FOR, path=result_path, httponly=True,
                            samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        return response


def remembered(key: str) -> str | None:
    """What :func:`remember` kept for the rendering ``key`` in this browser, while it is kept."""
    try:
        kept = _signer(current_app.config["SECRET_KEY"]).unsign(request.cookies.get(SENT_COOKIE, ""),
                                                               max_age=REMEMBER_FOR).decode()
    except BadSignature:  # also an expired one
        return None
    found, _dot, value = kept.partition(".")
    return value if _RANDOM_HEX.fullmatch(key or "") and hmac.compare_digest(found, key) else None
