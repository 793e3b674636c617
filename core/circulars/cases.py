"""Typical cases (典型案例): written by staff, approved by a leader, published with personal details removed.

Redaction happens when the case is saved, so what a leader approves is what the
public page shows: identity-card numbers, mobile and landline numbers, e-mail
addresses, the names of the platform's account holders, and any names staff
list are replaced by ``*`` marks.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.access.scope import Scope
from core.circulars.models import CaseState, TypicalCase
from core.db import utcnow
from core.errors import Forbidden, InvalidTransition, ValidationError

ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MAX_TEXT = 50_000


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with identity numbers, phone numbers, e-mail addresses and ``names`` masked."""
    for pattern, mask in ((ID_CARD, "******************"), (EMAIL, "***@***"), (MOBILE, "***********"),
                          (LANDLINE, "****-********")):
        text = pattern.sub(mask, text)
    # Longest first, so "王敏敏" is masked whole before "王敏".
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, name[0] + "*" * (len(name) - 1))
    return text


def known_names(session: Session) -> list[str]:
    """Display names of the platform's accounts and the personal part of compound ones."""
    names = []
    for display in session.scalars(select(User.display_name).where(User.display_name != "")):
        names.append(display)
        # "省督查室 王敏": the last word is the person.
        parts = display.split()
        if len(parts) > 1:
            names.append(parts[-1])
    return names


def save_case(scope: Scope, case: TypicalCase | None, *, title: str, body: str, extra_names: str = "",
              circular_id: int | None = None, referral_id: int | None = None) -> TypicalCase:
    """Create or change a draft case; the text is redacted as it is stored."""
    scope.require("cases.manage")
    if case is not None and case.state != CaseState.draft:
        raise InvalidTransition("Only a draft case can be changed.")
    if not title.strip() or not body.strip():
        raise ValidationError("A case needs a title and a text.")
    if len(body) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    if scope.unit is None:
        raise ValidationError("Your account has no unit, so it cannot publish cases.")
    names = known_names(scope.session) + [n for n in re.split(r"[,，;；\s]+", extra_names) if n]
    if case is None:
        case = TypicalCase(owner_unit_id=scope.unit.id, created_by_id=scope.user.id if scope.user else None,
                           circular_id=circular_id, referral_id=referral_id)
        scope.session.add(case)
    case.title = redact(title.strip(), names)
    case.body = redact(body.strip(), names)
    scope.session.flush()
    return case


def approve_case(scope: Scope, case_id: int) -> TypicalCase:
    """A leader (or administrator) approves a draft case for publication."""
    if not scope.can("cases.approve"):
        raise Forbidden("You are not allowed to do this.")
    case = scope.get(TypicalCase, case_id)
    if case.state != CaseState.draft:
        raise InvalidTransition("Only a draft case can be approved.")
    if scope.user is not None and case.created_by_id == scope.user.id:
        raise Forbidden("A case is approved by someone other than its author.")
    case.state, case.approved_at = CaseState.approved, utcnow()
    case.approved_by_id = scope.user.id if scope.user else None
    return case


def publish_case(scope: Scope, case_id: int) -> TypicalCase:
    """Put an approved case on the public page."""
    case = scope.get(TypicalCase, case_id, "write")
    if case.state != CaseState.approved:
        raise InvalidTransition("A case must be approved before it is published.")
    case.state, case.published_at = CaseState.published, utcnow()
    return case


def published_cases(session: Session, limit: int = 50) -> list[TypicalCase]:
    """Published cases, newest first: the public page reads these without a login."""
    return list(session.scalars(select(TypicalCase).where(TypicalCase.state == CaseState.published)
                                .order_by(TypicalCase.published_at.desc(), TypicalCase.id.desc()).limit(limit)))
