"""API tokens: a secret a script sends as ``Authorization: Bearer …`` to act as one user.

Only a SHA-256 digest of the token is stored, with a short visible prefix so people
can tell their tokens apart. A token acts with the role and unit of the user it
belongs to, through the same :class:`core.access.scope.Scope` as the web pages;
it stops working when it expires, when revoked, when its user's password changes
(:func:`revoke_tokens_of`) and while its user is deactivated. A read-only token may
only read: the API refuses it any request that is not GET or HEAD.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ColumnElement, ForeignKey, String, false, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow
from core.errors import Forbidden, ValidationError

if TYPE_CHECKING:
    from core.access.scope import Action, Scope

TOKEN_PREFIX = "dbn_"  # noqa: S105  (the visible prefix of every token, not a secret)
# A token's last use is written at most this often, so reads stay cheap under load.
LAST_USED_RESOLUTION = timedelta(minutes=1)
DEFAULT_DAYS = 90
MAX_DAYS = 366


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
    expires_at: Mapped[datetime]
    # Refused on anything but GET and HEAD.
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def active(self) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and not self.expired()

    def expired(self, now: datetime | None = None) -> bool:
        """True once the token's lifetime is over."""
        return _aware(self.expires_at) <= (now or utcnow())

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


def _lifetime(days: int | None) -> timedelta:
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError("A token lives from 1 to %(max)d days.", max=MAX_DAYS)
    return timedelta(days=days)


def _new_token(session: Session, owner: User, name: str, days: int | None, read_only: bool,
               created_by: User | None) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError("The token name is too long.")
    lifetime = _lifetime(days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=owner.id, name=name, prefix=secret[:12], digest=digest(secret),
                     created_by_id=created_by.id if created_by is not None else None,
                     created_at=now, expires_at=now + lifetime, read_only=bool(read_only))
    session.add(token)
    session.flush()
    return token, secret


def create_token(scope: Scope, owner: User, name: str = "", *, days: int | None = None,
                 read_only: bool = False) -> tuple[ApiToken, str]:
    """Create a token for ``owner``, valid ``days`` days (default 90); return it and the secret.

    The secret is shown only once.
    """
    if not may_hold_token(scope, owner):
        raise Forbidden("You are not allowed to do this.")
    return _new_token(scope.session, owner, name, days, read_only, scope.user)


def create_token_for(session: Session, owner: User, name: str = "", *, days: int | None = None,
                     read_only: bool = False) -> tuple[ApiToken, str]:
    """Create a token for ``owner`` without a person asking (the ``duban token`` command)."""
    if not owner.active:
        raise ValidationError("This account is deactivated.")
    return _new_token(session, owner, name[:100] if name else "", days, read_only, None)


def revoke_token(token: ApiToken, now: datetime | None = None) -> None:
    """Stop ``token`` from working; revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()


def revoke_tokens_of(session: Session, owner: User, now: datetime | None = None) -> int:
    """Revoke every token of ``owner`` still in force (their password changed); return how many."""
    tokens = list(session.scalars(select(ApiToken).where(ApiToken.user_id == owner.id,
                                                         ApiToken.revoked_at.is_(None))))
    for token in tokens:
        revoke_token(token, now)
    return len(tokens)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; Duban stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def authenticate(session: Session, secret: str, now: datetime | None = None) -> tuple[ApiToken, User] | None:
    """The token and user ``secret`` stands for, or None when unknown, revoked, expired or inactive."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.digest == digest(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    now = now or utcnow()
    if token.revoked_at is not None or token.expired(now) or not user.active:
        return None
    last = _aware(token.last_used_at) if token.last_used_at is not None else None
    if last is None or now - last >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token, user


def tokens_of(session: Session, username: str) -> list[ApiToken]:
    """Every token of the account ``username``, newest first."""
    return list(session.scalars(
        select(ApiToken).join(User, User.id == ApiToken.user_id)
        .where(User.username == username).order_by(ApiToken.id.desc())))

