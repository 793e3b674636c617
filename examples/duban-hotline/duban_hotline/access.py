"""The hotline's capabilities, and a scope for code that runs outside a request (panels, imports)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.access.scope import CAPABILITIES, Scope

CAPABILITIES_HOTLINE: dict[str, frozenset[Role]] = {
    # Read orders about the units one may see: staff, leaders, and each unit's officers for their own.
    "hotline_orders.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.unit_officer}),
    # Import the hotline's export.
    "hotline_orders.import": frozenset({Role.admin, Role.supervisor}),
}


def scope_for(session: Session, user: User | None) -> Scope:
    """A :class:`Scope` with every plugin's capabilities (hooks and importers get a user, not a scope)."""
    pm = session.info.get("plugins")
    if pm is not None:
        from core.plugins import capabilities

        return Scope(session, user, capabilities(pm))
    return Scope(session, user, {**CAPABILITIES, **CAPABILITIES_HOTLINE})
