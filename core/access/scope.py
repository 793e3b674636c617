"""The one scoping layer: what a user may read or change.

Views, exports, the command line and the API never filter by hand; they ask a
:class:`Scope`. A model takes part by defining a classmethod
``__scope__(cls, scope, action) -> ColumnElement[bool]`` built from the primitives
here (:meth:`Scope.unit_ids`, :meth:`Scope.matter_ids`), so a plugin's tables are
scoped by the same rules without core knowing them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import ColumnElement, Select, false, inspect, select, true
from sqlalchemy.orm import Session

from core.access.models import Assignment, Role, User
from core.errors import Forbidden, NotFound
from core.org.models import Unit

Action = Literal["read", "write"]
T = TypeVar("T")

# Capability → roles holding it. Plugins may add capabilities through
# ``duban_capabilities``; core's own are here.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "units.manage": frozenset({Role.admin}),
    "users.manage": frozenset({Role.admin}),
    "units.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.commissioner}),
    "audit_log.view": frozenset({Role.admin}),
    "ledger.manage": frozenset({Role.admin, Role.supervisor}),
    "ledger.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.unit_officer, Role.commissioner}),
    "tasks.report": frozenset({Role.unit_officer}),
    "reviews.manage": frozenset({Role.admin, Role.supervisor, Role.commissioner}),
    # Settings of the whole instance: the scoring rules, training the model (its weights).
    "scoring.manage": frozenset({Role.admin, Role.supervisor}),
    "queue.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.commissioner}),
    "tokens.manage": frozenset({Role.admin, Role.supervisor}),
    "signals.post": frozenset({Role.admin, Role.supervisor}),
    "webhooks.manage": frozenset({Role.admin}),
    "jobs.view": frozenset({Role.admin}),
    "plugins.view": frozenset({Role.admin}),
    "research.manage": frozenset({Role.admin, Role.supervisor}),
    "research.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.commissioner}),
    "dashboard.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.commissioner}),
    "circulars.manage": frozenset({Role.admin, Role.supervisor}),
    "circulars.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.unit_officer, Role.commissioner}),
    "circulars.explain": frozenset({Role.unit_officer}),
    "referrals.manage": frozenset({Role.admin, Role.supervisor}),
    "referrals.view": frozenset({Role.admin, Role.supervisor, Role.leader}),
    "cases.manage": frozenset({Role.admin, Role.supervisor}),
    "cases.view": frozenset({Role.admin, Role.supervisor, Role.leader}),
    "cases.approve": frozenset({Role.admin, Role.leader}),
    # The work plan (督促检查工作计划): staff draft and publish it, a leader approves it, the units it
    # concerns read it once published. Special campaigns are led by commissioners (督查专员) and staff.
    "plans.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.unit_officer, Role.commissioner}),
    "plans.manage": frozenset({Role.admin, Role.supervisor}),
    "plans.approve": frozenset({Role.admin, Role.leader}),
    "campaigns.view": frozenset({Role.admin, Role.supervisor, Role.leader, Role.commissioner}),
    "campaigns.manage": frozenset({Role.admin, Role.supervisor, Role.commissioner}),
}

# Capabilities over settings of the whole instance: besides the role, a user who is not an
# administrator must belong to a root unit (the province), since a change reaches every unit.
INSTANCE_WIDE: frozenset[str] = frozenset({"scoring.manage"})


class Scope:
    """What one user may see and do, as SQL clauses and checks."""

    def __init__(self, session: Session, user: User | None,
                 capabilities: dict[str, frozenset[Role]] | None = None) -> None:
        self.session = session
        self.user = user
        self.capabilities = capabilities if capabilities is not None else CAPABILITIES
        self._unit: Unit | None = None

    # -- who ---------------------------------------------------------------

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def can(self, capability: str) -> bool:
        """True when the user's role holds ``capability`` (and, for an instance-wide one, the user may act at
        the root)."""
        if self.role is None or self.role not in self.capabilities.get(capability, frozenset()):
            return False
        return capability not in INSTANCE_WIDE or self.at_root

    @property
    def at_root(self) -> bool:
        """True for an active administrator, or a user of a root unit (one without a parent): who may change
        what holds for every unit."""
        if self.user is None or not self.user.active:
            return False
        if self.is_admin:
            return True
        unit = self.unit
        return unit is not None and unit.parent_id is None

    def require(self, capability: str) -> None:
        """Raise :class:`Forbidden` unless the user holds ``capability``."""
        if not self.can(capability):
            raise Forbidden("You are not allowed to do this.")

    @property
    def unit(self) -> Unit | None:
        if self._unit is None and self.user is not None and self.user.unit_id is not None:
            self._unit = self.session.get(Unit, self.user.unit_id)
        return self._unit

    # -- primitives models build on ----------------------------------------

    def unit_ids(self, action: Action = "read") -> Select[int]:
        """A subquery of the ids of units whose records the user may read (or change)."""
        stmt = select(Unit.id)
        if self.user is None or not self.user.active:
            return stmt.where(false())
        if self.is_admin:
            return stmt
        if self.role == Role.evaluator:
            return self._evaluator_units()
        unit = self.unit
        if unit is None:
            return stmt.where(false())
        if self.role == Role.unit_officer and not self.user.is_unit_head:
            return stmt.where(Unit.id == unit.id)
        if self.role == Role.leader and action == "write":
            return stmt.where(false())  # leaders read; staff act
        return stmt.where(Unit.path.startswith(unit.path))

    def matter_ids(self) -> Select[int] | None:
        """Matters the user is limited to (evaluators), or None when not limited by matter."""
        if self.role == Role.evaluator and self.user is not None:
            return select(Assignment.matter_id).where(Assignment.user_id == self.user.id)
        return None

    def _evaluator_units(self) -> Select[int]:
        # The column may hold NULL (an assignment to a whole matter); those rows are left out.
        units = cast("Select[int]", select(Assignment.unit_id))
        if self.user is None:  # no one signed in: no assignments (fail closed)
            return units.where(false())
        return units.where(Assignment.user_id == self.user.id, Assignment.unit_id.is_not(None))

    def unit_clause(self, column: Any, action: Action = "read") -> ColumnElement[bool]:
        """Restrict a unit-id ``column`` to units the user may read or change."""
        if self.is_admin and self.user is not None and self.user.active:
            return true()
        restricted: ColumnElement[bool] = column.in_(self.unit_ids(action))
        return restricted

    # -- queries and single objects ---------------------------------------

    def clause(self, model: type, action: Action = "read") -> ColumnElement[bool]:
        """The model's own scoping clause for this user."""
        scoper = getattr(model, "__scope__", None)
        if scoper is None:
            raise TypeError(f"{model.__name__} does not define __scope__")
        scoped: ColumnElement[bool] = scoper(self, action)
        return scoped

    def select(self, model: type[T], action: Action = "read") -> Select[T]:
        """``select(model)`` limited to what the user may read (or change)."""
        return select(model).where(self.clause(model, action))

    def get(self, model: type[T], ident: Any, action: Action = "read") -> T:
        """Load one object the user may read (or change), else :class:`NotFound`.

        An object outside the user's scope is reported as missing, not forbidden,
        so ids cannot be probed.
        """
        try:
            key = int(ident)
        except (TypeError, ValueError):
            raise NotFound("Not found.") from None
        pk = inspect(model).primary_key[0]
        obj = self.session.scalar(select(model).where(pk == key, self.clause(model, action)))
        if obj is None:
            raise NotFound("Not found.")
        return obj

    def visible_units(self) -> list[Unit]:
        """Units the user may see, each after its parent (in the order of their paths)."""
        return list(self.session.scalars(self.select(Unit).order_by(Unit.path)))

    def filter_ids(self, model: type[Any], ids: Iterable[int], action: Action = "read") -> set[int]:
        """The subset of ``ids`` the user may read (or change), in one query."""
        pk = inspect(model).primary_key[0]
        wanted = list(ids)
        if not wanted:
            return set()
        return set(self.session.scalars(select(pk).where(pk.in_(wanted), self.clause(model, action))))
