"""What staff register: institutions, evaluator accounts, assignments, indicator frameworks."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.accounts import save_account
from core.access.models import Role, User
from core.errors import ValidationError
from plugins.third_party_eval.models import Evaluator, Indicator, Institution


def register_institution(session: Session, *, name: str, contact: str, owner_unit_id: int) -> Institution:
    """A new evaluation institution held by ``owner_unit_id``; names are unique."""
    name = name.strip()
    if not name:
        raise ValidationError("Please give the institution's name.")
    if session.scalar(select(Institution.id).where(Institution.name == name)) is not None:
        raise ValidationError("An institution named %(name)s is registered already.", name=name)
    institution = Institution(name=name[:200], contact=contact.strip()[:200], owner_unit_id=owner_unit_id)
    session.add(institution)
    session.flush()
    return institution


def add_evaluator(session: Session, institution: Institution, *, username: str, display_name: str,
                  email: str | None, password: str) -> User:
    """Create an evaluator account (through core's accounts) and make it a member of ``institution``."""
    user = save_account(session, User(), username=username, role=Role.evaluator, display_name=display_name,
                        email=email or None, password=password)
    attach_evaluator(session, institution, user)
    return user


def attach_evaluator(session: Session, institution: Institution, user: User) -> Evaluator:
    """Make the existing evaluator account ``user`` a member of ``institution``.

    Returns the membership, the stored one when ``user`` is a member already. An
    account belongs to one institution at most; a non-evaluator account is refused.
    """
    if user.role != Role.evaluator:
        raise ValidationError("Only evaluator accounts can belong to an evaluation institution.")
    membership = session.scalar(select(Evaluator).where(Evaluator.user_id == user.id))
    if membership is not None:
        if membership.institution_id == institution.id:
            return membership
        raise ValidationError("The account %(username)s belongs to the institution %(institution)s already.",
                              username=user.username, institution=membership.institution.name)
    membership = Evaluator(institution_id=institution.id, user_id=user.id)
    session.add(membership)
    session.flush()
    return membership


def save_indicator(session: Session, matter_id: int, *, code: str, name: str, weight: float,
                   target: float | None) -> Indicator:
    """Add an indicator to a matter's framework, or change the one with the same code."""
    code = code.strip()
    if not code or not name.strip():
        raise ValidationError("An indicator needs a code and a name.")
    if weight <= 0:
        raise ValidationError("A weight must be above 0 and at most 1000.")
    if target is not None and not 0 <= target <= 100:
        raise ValidationError("A target is a score from 0 to 100.")
    indicator = session.scalar(select(Indicator).where(Indicator.matter_id == matter_id, Indicator.code == code))
    if indicator is None:
        indicator = Indicator(matter_id=matter_id, code=code[:40])
        session.add(indicator)
    indicator.name, indicator.weight, indicator.target = name.strip()[:200], weight, target
    session.flush()
    return indicator
