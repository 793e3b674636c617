"""The survey panels on a matter's and a unit's page."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.models import User
from core.hooktypes import Panel
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit
from core.signals import SERIES_MARK, Signal
from plugins.survey.access import scope_for
from plugins.survey.models import Survey, SurveyMatter, SurveyResponse, SurveyUnit

KIND_LABELS = {"satisfaction": N_("Satisfaction"), "awareness": N_("Awareness"),
               "not_delivered": N_("Benefit not received")}


def _panel(session: Session, user: User, surveys: Any, signals: Any) -> list[Panel]:
    scope = scope_for(session, user)
    if not scope.can("survey.view"):
        return []
    found = list(session.scalars(scope.select(Survey).where(Survey.id.in_(surveys)).order_by(Survey.id)))
    if not found:
        return []
    counts = dict(session.execute(select(SurveyResponse.survey_id, func.count()).where(
        SurveyResponse.survey_id.in_([s.id for s in found])).group_by(SurveyResponse.survey_id)).all())
    shown = _latest_points(session.scalars(
        scope.select(Signal).where(signals, Signal.source == "survey", Signal.kind.in_(list(KIND_LABELS)))
        .order_by(Signal.observed_on.desc(), Signal.id.desc()).limit(2000)))
    return [Panel(N_("Opinion surveys"), "survey/_panel.html",
                  {"survey_rows": [(s, counts.get(s.id, 0)) for s in found], "survey_signals": shown,
                   "survey_kind_labels": KIND_LABELS, "survey_can_open": True}, order=250)]


def _latest_points(signals: Iterable[Signal], limit: int = 20) -> list[Signal]:
    """The latest point of each series (a share as it now stands), newest first."""
    latest: dict[str, Signal] = {}
    for signal in signals:
        latest.setdefault(signal.ref.partition(SERIES_MARK)[0], signal)
        if len(latest) == limit:
            break
    return list(latest.values())


def matter_panel(session: Session, matter: Matter, user: User) -> list[Panel]:
    """Surveys about ``matter`` that ``user`` may see, with their latest signals."""
    return _panel(session, user, select(SurveyMatter.survey_id).where(SurveyMatter.matter_id == matter.id),
                  Signal.matter_id == matter.id)


def unit_panel(session: Session, unit: Unit, user: User) -> list[Panel]:
    """Surveys about ``unit`` that ``user`` may see, with their latest signals."""
    return _panel(session, user, select(SurveyUnit.survey_id).where(SurveyUnit.unit_id == unit.id),
                  Signal.unit_id == unit.id)
