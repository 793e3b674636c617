"""Capabilities of the survey plugin, and a scope for code that runs outside a request."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.access.scope import CAPABILITIES, Scope

SURVEY_CAPABILITIES: dict[str, frozenset[Role]] = {
    # Upload forms, link, publish, invite, set quotas and indicators, export responses.
    "survey.manage": frozenset({Role.admin, Role.supervisor}),
    # Read results and charts.
    "survey.view": frozenset({Role.admin, Role.supervisor, Role.leader}),
}


def scope_for(session: Session, user: User | None) -> Scope:
    """A :class:`Scope` with every plugin's capabilities (hooks get a user, not a scope)."""
    pm = session.info.get("plugins")
    if pm is not None:
        from core.plugins import capabilities

        return Scope(session, user, capabilities(pm))
    return Scope(session, user, {**CAPABILITIES, **SURVEY_CAPABILITIES})
