"""Tokens: one per form render (so a page sent twice stores once) and one per invitation.

A render token is signed, not stored: it names the survey, when the form was opened and the
browser it was opened in, and its random part becomes the response's unique submission key.
It is also what protects the answer page from cross-site posts: it must come back with the
browser cookie it names (a signed double-submit token), which another site can neither read
nor send along with a cross-site post (the cookie is SameSite=Lax). Unlike a session-bound
CSRF token it stays good as long as the form does, so answers typed over a long day are not
lost. An invitation token is an HMAC of a random per-invitation nonce under the instance's
secret key: the database keeps the nonce and the token's SHA-256, so reminders can carry the
link again, while a copy of the database without the secret key cannot answer in anyone's name.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from core.errors import ValidationError
from core.i18n import N_

# A form may stay open on a phone for a while; after this it must be reloaded.
RENDER_TOKEN_MAX_AGE = 3 * 24 * 3600
# The browser cookie render tokens are bound to: random, kept only in the browser and the token.
BROWSER_COOKIE = "survey_browser"
# A browser nonce and a render's key alike: 128 random bits in hex.
_RANDOM_HEX = re.compile(r"[0-9a-f]{32}")


class TokenRejected(ValidationError):
    """A form token or invitation that is forged, expired, used or for another survey."""


@dataclass(frozen=True)
class RenderToken:
    """What a form render's token says."""

    survey_id: int
    key: str
    started: datetime


@lru_cache(maxsize=8)  # one per secret key: built once, not on every answer sent
def _signer(secret: str) -> TimestampSigner:
    # The token is "survey.key.browser.opened", timestamped and signed: plain text needs no
    # serializer, and every part is digits or hex, so none holds the separator.
    return TimestampSigner(secret, salt="survey-form")


def browser_nonce(cookie: str | None) -> tuple[str, bool]:
    """The browser's nonce from its cookie, or a new one: (nonce, whether it is new)."""
    if cookie and _RANDOM_HEX.fullmatch(cookie):
        return cookie, False
    return secrets.token_hex(16), True


def issue_render_token(secret: str, survey_id: int, now: datetime, browser: str) -> str:
    """A new token for one rendering of the form of ``survey_id`` in the browser ``browser``."""
    opened = int(now.replace(tzinfo=UTC).timestamp())  # wall-clock time, kept as it reads
    return _signer(secret).sign(f"{survey_id}.{secrets.token_hex(16)}.{browser}.{opened}").decode()


def read_render_token(secret: str, token: str, survey_id: int, browser: str) -> RenderToken:
    """Check a token sent back with answers from the browser ``browser``; raises :class:`TokenRejected`."""
    try:
        value = _signer(secret).unsign(token, max_age=RENDER_TOKEN_MAX_AGE).decode()
    except SignatureExpired as exc:
        raise TokenRejected(N_("This form was opened too long ago. Reload the page and answer again.")) from exc
    except BadSignature as exc:
        raise TokenRejected(N_("This form could not be verified. Reload the page and answer again.")) from exc
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != str(survey_id) or not _RANDOM_HEX.fullmatch(parts[1]) or not parts[3].isdigit():
        raise TokenRejected(N_("This form could not be verified. Reload the page and answer again."))
    if not hmac.compare_digest(parts[2], browser or ""):
        raise TokenRejected(N_("This form was opened in another browser, or its cookies were cleared. "
                               "Reload the page and answer again."))
    started = datetime.fromtimestamp(int(parts[3]), tz=UTC).replace(tzinfo=None)
    return RenderToken(survey_id, "w:" + parts[1], started)


INVITATION_PURPOSE = "survey-invitation:"


def new_invitation_nonce() -> str:
    """A fresh random nonce for one invitation (stored; worthless without the secret key)."""
    return secrets.token_urlsafe(18)


def invitation_token(secret: str, nonce: str) -> str:
    """The single-use token of the invitation with ``nonce``: HMAC-SHA256 under ``secret``, URL-safe."""
    digest = hmac.new(secret.encode(), (INVITATION_PURPOSE + nonce).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """The stored form of an invitation token."""
    return hashlib.sha256(token.strip().encode()).hexdigest()
