"""Invitation tokens: one per invited respondent, used once.

A form's render token (one per rendering, so a page sent twice stores once, and bound to the
browser's cookie against cross-site posts) is the one every public form uses,
``web.plugin_api.issue_form_token``; its random part becomes the response's unique submission
key (:func:`submission_key`). An invitation token is an HMAC of a random per-invitation nonce
under the instance's secret key: the database keeps the nonce and the token's SHA-256, so
reminders can carry the link again, while a copy of the database without the secret key
cannot answer in anyone's name.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from core.errors import ValidationError

if TYPE_CHECKING:
    from web.plugin_api import FormToken


class TokenRejected(ValidationError):
    """An invitation that is not valid for this survey, or already used."""


def form_name(survey_id: int) -> str:
    """The name a survey's answer form has among public forms (its render tokens name it)."""
    return f"survey:{survey_id}"


def submission_key(token: FormToken) -> str:
    """The response's unique key from a web form's render token (ODK Collect sends ``uuid:…`` keys)."""
    return "w:" + token.key


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
