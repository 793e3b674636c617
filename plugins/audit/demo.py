"""The audit part of the demo province: findings at several units, at every rectification stage."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.db import utcnow
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.audit.models import Finding, RectificationStep, Severity, Status, StepKind
from plugins.audit.signals import refresh_signals

AUDIT = "2026年度省级财政预算执行审计"
# ref, unit code, matter code (looked up; left out when absent), days ago found, category, severity,
# amount, description, status, days until the rectification deadline
FINDINGS = [
    ("SJ-2026-001", "990102", "DB-2026-002", 60, "专项资金闲置", Severity.major, "12800000",
     "老旧小区改造中央补助资金1280万元滞留区财政超过一年未拨付。", Status.open, -10),
    ("SJ-2026-002", "990102", "DB-2026-002", 58, "虚报工程量", Severity.severe, "2365000.50",
     "两个改造小区虚报管网改造工程量，多结算工程款236.5万元。", Status.in_progress, 20),
    ("SJ-2026-003", "990102", None, 200, "专项资金闲置", Severity.minor, "450000",
     "就业补助资金45万元未按规定用途使用，结存于专户。", Status.done, -120),
    ("SJ-2026-004", "990103", "DB-2026-004", 45, "项目建设滞后", Severity.major, None,
     "农村饮水安全巩固提升项目3个标段未按期开工。", Status.open, 5),
    ("SJ-2026-005", "990221", "DB-2026-004", 40, "违规招投标", Severity.severe, "8600000",
     "柳营镇集中供水工程未公开招标，直接发包给关联企业，涉及金额860万元。", Status.open, -3),
    ("SJ-2026-006", "990000-JYT", None, 30, "政府采购不规范", Severity.minor, "310000",
     "部分信息化设备采购未执行政府采购程序。", Status.in_progress, 30),
    ("SJ-2026-007", "990121", None, 25, "惠民补贴发放不到位", Severity.major, "1520000",
     "耕地地力保护补贴152万元未及时发放到户。", Status.open, 35),
]


def seed(session: Session, today: date) -> None:
    """Add the demo findings; a matter the ledger does not have is simply left out."""
    units = {code: unit_id for code, unit_id in session.execute(select(Unit.code, Unit.id))}
    matters = {code: matter_id for code, matter_id in session.execute(select(Matter.code, Matter.id))}
    officer = session.scalar(select(User).where(User.username == "hedong"))
    staff = session.scalar(select(User).where(User.username == "duchashi"))
    touched = set()
    for ref, unit_code, matter_code, ago, category, severity, amount, text, status, due_in in FINDINGS:
        unit_id = units.get(unit_code)
        if unit_id is None:
            continue
        finding = Finding(ref=ref, audit_name=AUDIT, unit_id=unit_id, matter_id=matters.get(matter_code or ""),
                          found_on=today - timedelta(days=ago), category=category, severity=severity,
                          amount=Decimal(amount) if amount else None, description=text, status=status,
                          due=today + timedelta(days=due_in), imported_by="demo",
                          rectified_on=min(today, today + timedelta(days=due_in)) if status == Status.done else None)
        session.add(finding)
        if status != Status.open and officer is not None:
            finding.steps.append(RectificationStep(kind=StepKind.evidence, actor_id=officer.id,
                                                   note="已制定整改方案，资金已按程序拨付，附拨付凭证。"))
        if status == Status.done and staff is not None:
            finding.verified_by_id, finding.verified_at = staff.id, utcnow()
            finding.steps.append(RectificationStep(kind=StepKind.verified, actor_id=staff.id,
                                                   note="经核查凭证，整改到位。"))
        touched.add(unit_id)
    session.flush()
    if touched:
        refresh_signals(session, today, touched)
