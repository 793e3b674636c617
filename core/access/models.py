"""Accounts, roles and assignments."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ColumnElement, Enum, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.i18n import N_
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class Role(str, enum.Enum):
    """What a user is in the supervision system."""

    admin = "admin"
    supervisor = "supervisor"  # 督查室工作人员
    leader = "leader"
    unit_officer = "unit_officer"
    evaluator = "evaluator"
    auditor = "auditor"
    # 督查专员: leads special campaigns and their teams; sees and acts as staff of their unit do.
    commissioner = "commissioner"


ROLE_LABELS = {
    Role.admin: N_("Administrator"),
    Role.supervisor: N_("Supervision staff"),
    Role.leader: N_("Leader"),
    Role.unit_officer: N_("Unit officer"),
    Role.evaluator: N_("Evaluator"),
    Role.auditor: N_("Auditor"),
    Role.commissioner: N_("Supervision commissioner"),
}

STAFF_ROLES = frozenset({Role.admin, Role.supervisor, Role.leader, Role.commissioner})


class User(Base):
    """A person who logs in."""

    __tablename__ = "users"
    __audit_mask__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # A unit's head sees the unit's whole subtree, not only the unit itself.
    is_unit_head: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # The session generation, carried in every session cookie of the account: raised at
    # logout, at a password change and when the account is deactivated, so that every cookie
    # issued before (a copy included) stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        # Only administrators manage accounts; everyone else sees just themselves.
        if scope.can("users.manage"):
            return true()
        return cls.id == (scope.user.id if scope.user is not None else -1)

    # The attributes Flask-Login reads; plain Python, so core stays free of Flask.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def label(self) -> str:
        return self.display_name or self.username


class Assignment(Base):
    """A matter (optionally one unit's part of it) that an evaluator may assess."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("user_id", "matter_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    matter_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class LoginFailure(Base):
    """Failed logins in a row for one user name from one address, and the lock they earned.

    Keyed by the name as typed (lower-cased), not by account, so that a name nobody holds
    is counted and locked exactly like a real one; and by address, so that failures from
    elsewhere never lock the account's holder out of their own address.
    """

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("username", "source"),
                      Index("ix_login_failures_last_failed_at", "last_failed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
