"""Capabilities of the audit plugin, and a scope for code that runs outside a request."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.access.scope import CAPABILITIES, Scope

AUDIT_CAPABILITIES: dict[str, frozenset[Role]] = {
    # Read findings within one's scope (a unit officer: their own unit's).
    "audit.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.auditor, Role.unit_officer}),
    # Import findings and export them.
    "audit.import": frozenset({Role.admin, Role.supervisor, Role.auditor}),
    # File evidence of rectification for one's unit.
    "audit.rectify": frozenset({Role.unit_officer}),
    # Verify a rectification, or send it back.
    "audit.verify": frozenset({Role.admin, Role.supervisor, Role.auditor}),
}


def scope_for(session: Session, user: User | None) -> Scope:
    """A :class:`Scope` with every plugin's capabilities (hooks get a user, not a scope)."""
    pm = session.info.get("plugins")
    if pm is not None:
        from core.plugins import capabilities

        table = capabilities(pm)
    else:
        table = {**CAPABILITIES, **AUDIT_CAPABILITIES}
    return Scope(session, user, table)
