"""Reading the ledger's filters from the query string."""
from __future__ import annotations

from datetime import date

from flask import request
from sqlalchemy import select

from core.ledger.deadlines import LIGHTS
from core.ledger.models import MatterKind, TaskState
from core.ledger.queries import LedgerFilter
from core.org.models import Unit
from web import db
from web.actions import int_arg


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def ledger_filter() -> LedgerFilter:
    """The filter the query string asks for; unknown values are ignored, units are scoped."""
    args = request.args
    kind = args.get("kind", "")
    state = args.get("state", "")
    light = args.get("light", "")
    unit_id = None
    unit_code = args.get("unit", "").strip()
    if unit_code:
        # A unit outside the user's scope matches nothing rather than widening the list.
        unit_id = db.session().scalar(select(Unit.id).where(Unit.code == unit_code, db.scope().clause(Unit))) or -1
    return LedgerFilter(
        q=args.get("q", "")[:100],
        kind=MatterKind(kind) if kind in MatterKind.__members__ else None,
        state=TaskState(state) if state in TaskState.__members__ else None,
        light=light if light in LIGHTS else None,
        unit_id=unit_id,
        matter_id=int_arg("matter"),
        deadline_from=_date("from"),
        deadline_to=_date("to"),
    )


def filter_args() -> dict[str, str]:
    """The filter's query arguments, to carry into page links and exports."""
    keys = ("q", "kind", "state", "light", "unit", "matter", "from", "to")
    return {key: request.args[key] for key in keys if request.args.get(key)}
