"""The unit hierarchy: province → city → county → town, with departments beside them."""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ColumnElement, Enum, ForeignKey, Index, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.i18n import N_

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class UnitLevel(str, enum.Enum):
    """Administrative level of a unit (层级)."""

    province = "province"
    city = "city"
    county = "county"
    town = "town"
    department = "department"


LEVEL_LABELS = {
    UnitLevel.province: N_("Province"),
    UnitLevel.city: N_("City"),
    UnitLevel.county: N_("County"),
    UnitLevel.town: N_("Town"),
    UnitLevel.department: N_("Department"),
}

# A unit's parent must sit at one of these levels.
ALLOWED_PARENT_LEVELS = {
    UnitLevel.province: set(),
    UnitLevel.city: {UnitLevel.province},
    UnitLevel.county: {UnitLevel.city, UnitLevel.province},
    UnitLevel.town: {UnitLevel.county},
    UnitLevel.department: {UnitLevel.province, UnitLevel.city, UnitLevel.county, UnitLevel.town},
}
# Levels a unit without a parent may have: an instance is rooted at one of them.
TOP_LEVELS = frozenset({UnitLevel.province, UnitLevel.city, UnitLevel.county})


class Unit(Base):
    """A government unit: a level of government or one of its departments."""

    __tablename__ = "units"
    __table_args__ = (Index("ix_units_path", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[UnitLevel] = mapped_column(Enum(UnitLevel, native_enum=False, length=20))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Materialised path of ids, "/1/7/42/": subtree queries are one indexed prefix match.
    path: Mapped[str] = mapped_column(String(400), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        if action == "write":
            return true() if scope.can("units.manage") else false()
        return scope.unit_clause(cls.id)

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)
