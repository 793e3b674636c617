"""Filtering findings for lists, panels and exports, always through the user's scope."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload

from core.access.scope import Scope
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.audit.models import Finding, Severity, Status

SOON_DAYS = 7


@dataclass(frozen=True)
class FindingFilter:
    """What a user asked to see; empty fields do not filter."""

    unit: str = ""  # a unit code: that unit and its subtree
    matter: str = ""  # a matter code
    severity: str = ""
    status: str = ""
    category: str = ""
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> FindingFilter:
        """Read the filter from query-string arguments, ignoring unknown values."""
        severity = args.get("severity", "")
        status = args.get("status", "")
        return cls(unit=args.get("unit", "").strip()[:64], matter=args.get("matter", "").strip()[:64],
                   severity=severity if severity in Severity.__members__ else "",
                   status=status if status in Status.__members__ else "",
                   category=args.get("category", "").strip()[:100], overdue=args.get("overdue") == "1",
                   q=args.get("q", "").strip()[:100])

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for export links)."""
        values = {"unit": self.unit, "matter": self.matter, "severity": self.severity, "status": self.status,
                  "category": self.category, "overdue": "1" if self.overdue else "", "q": self.q}
        return {key: value for key, value in values.items() if value}


def finding_select(scope: Scope, f: FindingFilter, today: date) -> Select[Finding]:
    """The findings matching ``f`` that the user may see, newest first."""
    stmt = scope.select(Finding)
    if f.unit:
        unit = scope.session.scalar(select(Unit).where(Unit.code == f.unit))
        stmt = stmt.where(Finding.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit.path)))
                          if unit else Finding.id.is_(None))
    if f.matter:
        stmt = stmt.where(Finding.matter_id.in_(select(Matter.id).where(Matter.code == f.matter)))
    if f.severity:
        stmt = stmt.where(Finding.severity == Severity(f.severity))
    if f.status:
        stmt = stmt.where(Finding.status == Status(f.status))
    if f.category:
        stmt = stmt.where(Finding.category == f.category)
    if f.overdue:
        stmt = stmt.where(Finding.status != Status.done, Finding.due < today)
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.where(or_(Finding.ref.like(like), Finding.description.like(like),
                              Finding.audit_name.like(like), Finding.category.like(like)))
    return stmt.order_by(Finding.found_on.desc(), Finding.id.desc())


def light(finding: Finding, today: date) -> str:
    """Red when rectification is overdue, yellow when due within a week, else green."""
    if finding.status == Status.done or finding.due is None:
        return "green"
    if finding.due < today:
        return "red"
    return "yellow" if finding.due <= today + timedelta(days=SOON_DAYS) else "green"


def counts(scope: Scope, f: FindingFilter, today: date) -> dict[str, int]:
    """How many matching findings there are, how many are open and how many overdue."""
    base = finding_select(scope, f, today).order_by(None).subquery()
    is_open = base.c.status != Status.done.value
    total, open_, overdue = scope.session.execute(select(
        func.count(), func.sum(case((is_open, 1), else_=0)),
        func.sum(case((is_open & (base.c.due < today), 1), else_=0)),
    ).select_from(base)).one()
    return {"total": total or 0, "open": int(open_ or 0), "overdue": int(overdue or 0)}


def iter_findings(scope: Scope, f: FindingFilter, today: date, chunk: int = 1000,
                  limit: int = 200_000) -> Iterator[Finding]:
    """Matching findings a chunk at a time, with unit and matter loaded (for exports)."""
    stmt = finding_select(scope, f, today).options(joinedload(Finding.unit), joinedload(Finding.matter))
    offset = 0
    while offset < limit:
        rows = list(scope.session.scalars(stmt.limit(chunk).offset(offset)))
        if not rows:
            return
        yield from rows
        offset += chunk


def export_row(finding: Finding) -> list[Any]:
    """A finding in the import's columns, so an export can be corrected and imported again."""
    return [finding.ref, finding.audit_name, finding.unit.code, finding.matter.code if finding.matter else "",
            finding.found_on, finding.category, finding.severity.value,
            finding.amount, finding.description, finding.status.value, finding.due, finding.rectified_on]
