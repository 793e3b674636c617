"""API tokens: a secret a script sends as ``Authorization: Bearer …`` to act as one user.

Only a SHA-256 digest of the token is stored, with a short visible prefix so people
can tell their tokens apart. A token acts with the role and unit of the user it
belongs to, through the same :class:`core.access.scope.Scope` as the web pages;
it stops working when revoked or when its user is deactivated.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, ForeignKey, String, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow
from core.errors import Forbidden, ValidationError

if TYPE_CHECKING:
    from core.access.scope import Action, Scope

TOKEN_PREFIX = "dbn_"
# A token's last use is written at most this often, so reads stay cheap under load.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiToken(Base):
    """One API token of one user."""

    __tablename__ = "api_tokens"
    __audit_mask__ = ("digest",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    # The first characters of the token, shown on the token list.
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Administrators see every token; other staff only their own."""
        if scope.is_admin:
            return true()
        return cls.user_id == (scope.user.id if scope.user is not None else -1)


def digest(token: str) -> str:
    """The stored form of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_hold_token(scope: Scope, owner: User) -> bool:
    """True when the scope's user may create a token for ``owner``.

    Administrators create tokens for any active account (an office's integration
    account, say); other staff holding ``tokens.manage`` only for themselves.
    """
    if not scope.can("tokens.manage") or not owner.active or scope.user is None:
        return False
    return scope.is_admin or owner.id == scope.user.id


def create_token(scope: Scope, owner: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``owner``; return it and the secret, which is shown only once."""
    if not may_hold_token(scope, owner):
        raise Forbidden("You are not allowed to do this.")
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError("The token name is too long.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=owner.id, name=name, prefix=secret[:12], digest=digest(secret),
                     created_by_id=scope.user.id if scope.user is not None else None)
    scope.session.add(token)
    scope.session.flush()
    return token, secret


def create_token_for(session: Session, owner: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``owner`` without a person asking (the ``duban token`` command)."""
    if not owner.active:
        raise ValidationError("This account is deactivated.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=owner.id, name=(name or "").strip()[:100], prefix=secret[:12],
                     digest=digest(secret))
    session.add(token)
    session.flush()
    return token, secret


def revoke_token(token: ApiToken, now: datetime | None = None) -> None:
    """Stop ``token`` from working; revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()


def authenticate(session: Session, secret: str, now: datetime | None = None) -> tuple[ApiToken, User] | None:
    """The token and user ``secret`` stands for, or None when unknown, revoked or inactive."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.digest == digest(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or not user.active:
        return None
    now = now or utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token, user


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    """Every token of the account ``username``, newest first."""
    return list(session.scalars(
        select(ApiToken).join(User, User.id == ApiToken.user_id)
        .where(User.username == username).order_by(ApiToken.id.desc())))

