"""Creating, moving and validating units."""
from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.org.models import ALLOWED_PARENT_LEVELS, TOP_LEVELS, Unit, UnitLevel

REGION_CODE = re.compile(r"^\d{6}$")
# Digits of a GB/T 2260 code that a level fixes: province 2, city 4, county 6.
_PREFIX_DIGITS = {UnitLevel.province: 2, UnitLevel.city: 4, UnitLevel.county: 6}


def check_region_code(level: UnitLevel, region_code: str, parent: Unit | None) -> None:
    """Refuse a region code that is malformed or does not fit the unit's level and parent."""
    if not REGION_CODE.match(region_code or ""):
        raise ValidationError("Region code must be six digits (GB/T 2260), not %(code)s.", code=region_code)
    if level == UnitLevel.province and not region_code.endswith("0000"):
        raise ValidationError("A province's region code ends in 0000: %(code)s.", code=region_code)
    if level == UnitLevel.city and not region_code.endswith("00"):
        raise ValidationError("A city's region code ends in 00: %(code)s.", code=region_code)
    if parent is not None:
        digits = _PREFIX_DIGITS.get(parent.level, 6)
        if parent.level in _PREFIX_DIGITS and region_code[:digits] != parent.region_code[:digits]:
            raise ValidationError(
                "Region code %(code)s does not lie within the parent's region %(parent)s.",
                code=region_code,
                parent=parent.region_code,
            )


def check_parent(level: UnitLevel, parent: Unit | None) -> None:
    """Refuse a parent at a level that cannot contain ``level``, or no parent where one is needed.

    An instance may be rooted at a province, a city or a county (city and county
    governments run their own supervision offices), so those three may stand at
    the top; a town or a department always sits under another unit.
    """
    if parent is None and level not in TOP_LEVELS:
        raise ValidationError("A unit at this level needs a parent unit.")
    if parent is not None and parent.level not in ALLOWED_PARENT_LEVELS[level]:
        raise ValidationError("A unit at this level cannot sit under %(parent)s.", parent=parent.name)


def _path_for(unit: Unit) -> str:
    return (unit.parent.path if unit.parent is not None else "/") + f"{unit.id}/"


def save_unit(
    session: Session,
    unit: Unit,
    *,
    code: str,
    name: str,
    level: UnitLevel,
    region_code: str,
    parent: Unit | None,
) -> Unit:
    """Validate and store ``unit`` (new or existing), keeping the subtree's paths right."""
    code = code.strip()
    if not code:
        raise ValidationError("Unit code is required.")
    if not name.strip():
        raise ValidationError("Unit name is required.")
    clash = session.scalar(select(Unit.id).where(Unit.code == code))
    if clash is not None and clash != unit.id:
        raise ValidationError("Unit code %(code)s is already used.", code=code)
    if parent is not None and unit.id is not None and parent.is_within(unit):
        raise ValidationError("A unit cannot be placed under itself or its own subunit.")
    check_parent(level, parent)
    check_region_code(level, region_code, parent)
    old_path = unit.path
    unit.code, unit.name, unit.level = code, name.strip(), level
    unit.region_code, unit.parent = region_code, parent
    if unit.id is None:
        session.add(unit)
        session.flush()
    unit.path = _path_for(unit)
    if old_path and old_path != unit.path:
        # Rewrite every descendant's path in one statement.
        from sqlalchemy import func

        session.execute(
            update(Unit)
            .where(Unit.path.startswith(old_path), Unit.id != unit.id)
            .values(path=func.replace(Unit.path, old_path, unit.path))
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return unit


def unit_by_code(session: Session, code: str) -> Unit | None:
    """The unit with ``code``, or None."""
    return session.scalar(select(Unit).where(Unit.code == code))


def subtree(session: Session, unit: Unit) -> list[Unit]:
    """``unit`` and everything below it, ordered by code."""
    return list(session.scalars(select(Unit).where(Unit.path.startswith(unit.path)).order_by(Unit.code)))
