"""Capabilities of the tips plugin, and a scope for code that runs outside a request."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.access.scope import CAPABILITIES, Scope

TIP_CAPABILITIES: dict[str, frozenset[Role]] = {
    # Read tips held in one's subtree (leaders follow, they do not act).
    "tips.view": frozenset({Role.admin, Role.supervisor, Role.leader}),
    # Take tips in, triage them, link them, hand them over, reply, configure feeds, import.
    "tips.triage": frozenset({Role.admin, Role.supervisor}),
    # Answer the tips handed over to one's unit.
    "tips.answer": frozenset({Role.unit_officer}),
}


def scope_for(session: Session, user: User | None) -> Scope:
    """A :class:`Scope` with every plugin's capabilities (hooks get a user, not a scope)."""
    pm = session.info.get("plugins")
    if pm is not None:
        from core.plugins import capabilities

        table = capabilities(pm)
    else:
        table = {**CAPABILITIES, **TIP_CAPABILITIES}
    return Scope(session, user, table)
