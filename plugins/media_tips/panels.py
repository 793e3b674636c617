"""The tips panels on a matter's and a unit's page."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.models import User
from core.hooktypes import Panel
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.media_tips.access import scope_for
from plugins.media_tips.models import STATE_LABELS, Tip, TipState

LIMIT = 10


def _panel(session: Session, user: User, condition: Any) -> list[Panel]:
    scope = scope_for(session, user)
    if not (scope.can("tips.view") or scope.can("tips.answer")):
        return []
    visible = scope.select(Tip).where(condition)
    total = session.scalar(select(func.count()).select_from(visible.subquery())) or 0
    if not total:
        return []
    tips = list(session.scalars(visible.order_by(Tip.received_on.desc(), Tip.id.desc()).limit(LIMIT)))
    open_count = session.scalar(select(func.count()).select_from(
        visible.where(Tip.state.in_([TipState.new, TipState.screened, TipState.handed_over])).subquery())) or 0
    return [Panel(N_("Public and media tips"), "media_tips/_panel.html",
                  {"tips_list": tips, "tips_total": total, "tips_open": open_count,
                   "tips_state_labels": STATE_LABELS, "tips_can_open": scope.can("tips.view")}, order=300)]


def matter_panel(session: Session, matter: Matter, user: User) -> list[Panel]:
    """Tips linked to ``matter`` that ``user`` may see."""
    return _panel(session, user, Tip.matter_id == matter.id)


def unit_panel(session: Session, unit: Unit, user: User) -> list[Panel]:
    """Tips about ``unit`` or handed over to it that ``user`` may see."""
    return _panel(session, user, (Tip.unit_id == unit.id) | (Tip.handed_unit_id == unit.id))
