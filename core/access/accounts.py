"""Creating and changing accounts."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.access.passwords import end_sessions, set_password
from core.errors import ValidationError
from core.org.models import Unit

USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,80}$")
# Roles that act for a unit and so must belong to one.
UNIT_ROLES = {Role.supervisor, Role.leader, Role.unit_officer, Role.auditor, Role.commissioner}


def save_account(
    session: Session,
    user: User,
    *,
    username: str,
    role: Role,
    unit_code: str | None = None,
    display_name: str = "",
    email: str | None = None,
    is_unit_head: bool = False,
    active: bool = True,
    password: str | None = None,
) -> User:
    """Validate and store an account; ``password`` is required for a new one.

    Deactivating an account ends its sessions (they stay ended if it is activated again);
    a new password ends them too and revokes the account's API tokens.
    """
    username = username.strip()
    if not USERNAME.match(username):
        raise ValidationError("A username has 2 to 80 letters, digits, Chinese characters or . _ -")
    clash = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if clash is not None and clash != user.id:
        raise ValidationError("The username %(name)s is taken.", name=username)
    unit = None
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code.strip()))
        if unit is None:
            raise ValidationError("No unit has the code %(code)s.", code=unit_code)
    if role in UNIT_ROLES and unit is None:
        raise ValidationError("This role needs a unit.")
    user.username, user.role, user.unit = username, role, unit
    user.display_name, user.email = display_name.strip(), (email or None)
    if user.id is not None and user.active and not active:
        end_sessions(user)
    user.is_unit_head, user.active = bool(is_unit_head), bool(active)
    if password:
        set_password(user, password)
    elif user.id is None:
        raise ValidationError("A new account needs a password.")
    if user.id is None:
        session.add(user)
    session.flush()
    return user
