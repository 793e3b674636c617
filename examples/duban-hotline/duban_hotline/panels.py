"""The matter panel: the 12345 orders linked to a matter, by unit, as the reader may see them."""
from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.access.models import User
from core.hooktypes import Panel
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit
from duban_hotline.access import scope_for
from duban_hotline.models import COMPLAINTS, Order, Satisfaction


def matter_panel(session: Session, matter: Matter, user: User) -> list[Panel]:
    """Orders about ``matter`` per unit the user may see: how many, complaints, dissatisfied, still open."""
    scope = scope_for(session, user)
    if not scope.can("hotline_orders.view"):
        return []
    rows = session.execute(
        select(Unit.id, Unit.name, func.count(Order.id),
               func.sum(case((Order.category.in_([c.value for c in COMPLAINTS]), 1), else_=0)),
               func.sum(case((Order.satisfaction == Satisfaction.dissatisfied, 1), else_=0)),
               func.sum(case((Order.closed_at.is_(None), 1), else_=0)))
        .join(Unit, Unit.id == Order.unit_id)
        .where(Order.matter_id == matter.id, scope.clause(Order))
        .group_by(Unit.id, Unit.name).order_by(func.count(Order.id).desc(), Unit.name)).all()
    if not rows:
        return []
    units = [{"unit_id": unit_id, "name": name, "orders": int(orders), "complaints": int(complaints or 0),
              "dissatisfied": int(dissatisfied or 0), "open": int(still_open or 0)}
             for unit_id, name, orders, complaints, dissatisfied, still_open in rows]
    return [Panel(N_("12345 hotline orders"), "hotline_orders/_panel.html",
                  {"hotline_units": units, "hotline_matter_id": matter.id}, order=260)]
