"""Capabilities of the evaluation plugin, and a scope for code that runs outside a request."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.access.scope import CAPABILITIES, Scope
from plugins.third_party_eval.models import Evaluator, Institution

TPE_CAPABILITIES: dict[str, frozenset[Role]] = {
    # Register institutions, evaluator accounts, assignments and indicator frameworks.
    "tpe.manage": frozenset({Role.admin, Role.supervisor}),
    # See scores, charts and batches.
    "tpe.view": frozenset({Role.admin, Role.supervisor, Role.leader}),
    # Upload scores (evaluators for their assignments; staff for any institution).
    "tpe.upload": frozenset({Role.admin, Role.supervisor, Role.evaluator}),
}


def scope_for(session: Session, user: User | None) -> Scope:
    """A :class:`Scope` with every plugin's capabilities (hooks get a user, not a scope)."""
    pm = session.info.get("plugins")
    if pm is not None:
        from core.plugins import capabilities

        table = capabilities(pm)
    else:
        table = {**CAPABILITIES, **TPE_CAPABILITIES}
    return Scope(session, user, table)


def institution_of(session: Session, user: User) -> Institution | None:
    """The institution an evaluator account belongs to, if any."""
    return session.scalar(select(Institution).join(Evaluator, Evaluator.institution_id == Institution.id)
                          .where(Evaluator.user_id == user.id))
