"""Unit and matter codes in an import file, resolved in three queries for the whole file."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.access.scope import Scope
from core.hooktypes import ImportContext
from core.i18n import Message, message
from core.ledger.models import Matter, Task
from core.org.models import Unit


@dataclass
class References:
    """Ids of the units (that the importer may write for), matters and tasks a file names."""

    units: dict[str, int] = field(default_factory=dict)
    matters: dict[str, int] = field(default_factory=dict)
    tasks: dict[tuple[int, int], int] = field(default_factory=dict)

    def problems(self, row: Mapping[str, Any]) -> list[tuple[str, Message]]:
        """What is wrong with the row's ``unit_code`` and ``matter_code``, column by column."""
        found = []
        if row["unit_code"] not in self.units:
            found.append(("unit_code", message("No unit has the code %(code)s (or it lies outside your unit).",
                                               code=row["unit_code"])))
        if row["matter_code"] and row["matter_code"] not in self.matters:
            found.append(("matter_code", message("No matter has the code %(code)s.", code=row["matter_code"])))
        return found

    def ids(self, row: Mapping[str, Any]) -> tuple[int, int | None, int | None]:
        """The row's unit id, matter id and (the unit's first task on that matter) task id."""
        unit_id = self.units[row["unit_code"]]
        matter_id = self.matters.get(row["matter_code"]) if row["matter_code"] else None
        task_id = self.tasks.get((unit_id, matter_id)) if matter_id is not None else None
        return unit_id, matter_id, task_id


def resolve_references(session: Session, rows: Iterable[Mapping[str, Any]], context: ImportContext) -> References:
    """Look up every ``unit_code`` and ``matter_code`` of ``rows``.

    Units outside what the importing user may write for are left out, so rows naming
    them are refused like unknown codes (the command line imports without a user).
    """
    rows = list(rows)
    user = session.get(User, context.user_id) if context.user_id is not None else None
    references = References()
    codes = {row["unit_code"] for row in rows}
    if codes:
        stmt = select(Unit.code, Unit.id).where(Unit.code.in_(codes))
        if user is not None:
            stmt = stmt.where(Scope(session, user).unit_clause(Unit.id, "write"))
        references.units = dict(session.execute(stmt).all())
    matter_codes = {row["matter_code"] for row in rows if row["matter_code"]}
    if matter_codes:
        references.matters = dict(session.execute(
            select(Matter.code, Matter.id).where(Matter.code.in_(matter_codes))).all())
    if references.matters:
        for task_id, unit_id, matter_id in session.execute(
                select(Task.id, Task.unit_id, Task.matter_id)
                .where(Task.matter_id.in_(references.matters.values())).order_by(Task.id)):
            references.tasks.setdefault((unit_id, matter_id), task_id)
    return references
