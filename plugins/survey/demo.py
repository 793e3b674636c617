"""The survey part of the demo province: a published satisfaction survey about old-estate
renovation (matter DB-2026-002) in two districts, with a few hundred responses."""
from __future__ import annotations

import os
import random
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.ledger.models import Matter
from core.org.models import Unit
from plugins.survey import service
from plugins.survey.models import SurveyResponse
from plugins.survey.signals import refresh_survey

FORM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_form.md")
MATTER_CODE = "DB-2026-002"
# Hedong finished its renovation; Hexi lags behind, and its residents say so.
DISTRICTS = {"990102": (0.85, 0.9, 0.82), "990103": (0.7, 0.45, 0.48)}


def seed(session: Session, today: date, responses: int = 320) -> None:
    """Add the demo survey; skips quietly when the demo units are absent."""
    units = {unit.code: unit for unit in session.scalars(select(Unit).where(Unit.code.in_([*DISTRICTS, "990000"])))}
    if not all(code in units for code in DISTRICTS):
        return
    owner = units.get("990000") or units["990102"]
    with open(FORM, "rb") as handle:
        survey = service.create_survey(session, handle.read(), owner_unit_id=owner.id, source_name="demo_form.md",
                                       publish=True)
    survey.unit_field = "district"
    survey.opens_on = today - timedelta(days=30)
    survey.closes_on = today + timedelta(days=30)
    matter = session.scalar(select(Matter).where(Matter.code == MATTER_CODE))
    if matter is not None:
        service.link_matter(session, survey, matter)
    for code in DISTRICTS:
        service.link_unit(session, survey, units[code])
    survey.indicators = [
        {"kind": "satisfaction", "field": "satisfaction", "values": ["very_satisfied", "satisfied"], "target": 0.8},
        {"kind": "awareness", "field": "aware", "values": ["yes"], "target": 0.8},
        {"kind": "not_delivered", "field": "benefit", "values": ["no"], "target": 0.2},
    ]
    session.flush()
    rng = random.Random(42)  # noqa: S311  (a demo drawn the same way each time, not a secret)
    rows = []
    for number in range(responses):
        code = rng.choice(list(DISTRICTS))
        aware_p, benefit_p, satisfied_p = DISTRICTS[code]
        answers = {"district": code, "aware": "yes" if rng.random() < aware_p else "no",
                   "years": str(rng.randint(1, 40))}
        if answers["aware"] == "yes":
            answers["benefit"] = "yes" if rng.random() < benefit_p else "no"
            answers["satisfaction"] = (rng.choice(["very_satisfied", "satisfied"]) if rng.random() < satisfied_p
                                       else rng.choice(["neutral", "dissatisfied"]))
        rows.append({"survey_id": survey.id, "submission_key": f"demo:{number}", "unit_id": units[code].id,
                     "submitted_on": today - timedelta(days=rng.randint(0, 29)), "submitted_at": None,
                     "channel": "web", "language": "zh_CN", "answers": answers})
    session.execute(insert(SurveyResponse), rows)
    refresh_survey(session, survey, today)
