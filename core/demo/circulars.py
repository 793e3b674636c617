"""The demo province's published circular: the province's ranking of the last quarter.

Generated and published through the same functions the pages call, so the
ranking, the named units, the explanation demanded of the criticised unit and
the notifications are all real.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.access.scope import Scope
from core.circulars.drafting import DraftRequest, generate_circular
from core.circulars.rankings import DEFAULT_WEIGHTS
from core.circulars.workflow import publish_circular
from core.hooktypes import SignalKind
from core.i18n import Gettext


def build_circular(session: Session, today: date, kinds: list[SignalKind], gettext: Gettext) -> None:
    """Generate and publish the province's circular on the last 90 days (as 省督查室)."""
    staff = session.scalar(select(User).where(User.username == "duchashi"))
    if staff is None:
        return
    scope = Scope(session, staff)
    # The period runs a day past ``today``: the demo may be seeded with the machine's UTC date,
    # a day behind the local date on which today's reports are filed.
    request = DraftRequest(title="关于近期重点督办事项落实情况的通报", start=today - timedelta(days=90),
                           end=today + timedelta(days=1),
                           weights=DEFAULT_WEIGHTS, commend=2, criticise=2, explanation_days=15)
    circular = generate_circular(scope, request, today, kinds, gettext)
    publish_circular(scope, circular.id, today)
