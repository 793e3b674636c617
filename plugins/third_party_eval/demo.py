"""The evaluation part of the demo province: an institution, its evaluator, a framework and scores."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.assignments import assign
from core.access.models import Role, User
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.third_party_eval.models import Evaluator
from plugins.third_party_eval.registry import register_institution, save_indicator

MATTER = "DB-2026-002"  # 城镇老旧小区改造, from the ledger's demo
INDICATORS = [("Q1", "改造任务完成率", 0.4, 90.0), ("Q2", "工程质量验收合格率", 0.3, 95.0),
              ("Q3", "居民满意度", 0.3, 80.0)]
# unit code → scores of Q1..Q3 (first and corrected version)
FIRST = {"990102": (96, 97, 85), "990103": (58, 88, 71)}
CORRECTED = {"990102": (96, 97, 86), "990103": (61, 88, 71)}


def seed(session: Session, today: date) -> None:
    """Add the demo institution and, when the ledger's demo matter exists, its evaluation."""
    province = session.scalar(select(Unit).where(Unit.code == "990000"))
    if province is None:
        return
    institution = register_institution(session, name="示范省第三方评估中心", contact="0990-12345678",
                                       owner_unit_id=province.id)
    evaluator = session.scalar(select(User).where(User.username == "pinggu", User.role == Role.evaluator))
    if evaluator is not None:
        session.add(Evaluator(institution_id=institution.id, user_id=evaluator.id))
    matter = session.scalar(select(Matter).where(Matter.code == MATTER))
    if matter is None or evaluator is None:
        return  # the ledger has no demo matter (yet): institution and account only
    assign(session, evaluator, matter)
    for code, name, weight, target in INDICATORS:
        save_indicator(session, matter.id, code=code, name=name, weight=weight, target=target)
    session.flush()
    from core.hooktypes import ImportContext
    from plugins.third_party_eval.importer import import_evaluations

    for version, scores in enumerate((FIRST, CORRECTED)):
        rows = ["评估机构,评估批次,事项编号,单位代码,指标代码,得分,评估日期,评语"]
        evaluated = (today - timedelta(days=20 - version * 10)).isoformat()
        for unit_code, values in scores.items():
            for (code, _name, _weight, _target), value in zip(INDICATORS, values, strict=True):
                rows.append(f"{institution.name},2026年第一季度,{MATTER},{unit_code},{code},{value},{evaluated},")
        report = import_evaluations(session, "\n".join(rows).encode("utf-8"), "demo.csv",
                                    ImportContext(actor="demo", user_id=evaluator.id))
        if not report.ok:
            return
