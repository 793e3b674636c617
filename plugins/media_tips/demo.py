"""The tips part of the demo province: tips about the ledger's demo matters, at every stage."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.ledger.models import Matter, Task
from core.org.models import Unit
from plugins.media_tips.models import MessageKind, TipFeed, TipSource, TipState
from plugins.media_tips.signals import refresh_signals
from plugins.media_tips.triage import NewTip, add_message, answer, create_tip, hand_over, move

# Used when the ledger has no demo matters (yet): tips about units only.
UNIT_TIPS = [
    ("990102", TipSource.public, "河东区东湖街道老旧小区改造说好的加装电梯到现在也没动工，施工队来了一次就走了。"),
    ("990102", TipSource.public, "东湖街道老旧小区改造加装电梯一直没有动工，施工队来过一次就再没出现。"),
    ("990103", TipSource.hotline, "河西区西山街道的公办幼儿园盖好了一直不招生，孩子上不了学。"),
    ("990221", TipSource.media, "白河县柳营镇种粮补贴迟迟没有发放到农户的一卡通上。"),
    ("990321", TipSource.public, "高峰县茶园乡山区几个村自来水三天两头停水，饮水工程修了一半。"),
]


def seed(session: Session, today: date) -> None:
    """Add demo tips, a feed and their signals; skips what it cannot find."""
    units = {unit.code: unit for unit in session.scalars(select(Unit))}
    if not units:
        return
    staff = session.scalar(select(User).where(User.username == "duchashi")) or session.scalars(
        select(User).where(User.role == Role.supervisor).order_by(User.id)).first()
    officer = session.scalar(select(User).where(User.username == "hedong"))
    province = units.get("990000") or next(iter(units.values()))
    session.add(TipFeed(name="示范省日报 · 民生", url="https://news.example.cn/minsheng/rss.xml",
                        home_unit_id=province.id, active=False))

    tips = []
    for number, (unit_code, source, text) in enumerate(_texts(session, units), start=1):
        unit = units.get(unit_code)
        received = today - timedelta(days=30 - 2 * number)
        tip, _code = create_tip(session, NewTip(
            source=source, text=text, region_code=unit.region_code if unit else "",
            url=f"https://news.example.cn/a/{number}" if source == TipSource.media else "",
            category="slow_action", received_on=received, ref=f"DEMO-{number:03d}"),
            actor="demo", today=today, home_unit=province)
        tips.append((tip, unit))
    if staff is None:
        return
    # One tip at each stage, so every page has something to show.
    for position, (tip, unit) in enumerate(tips):
        if unit is None:
            continue
        if position == 0:
            hand_over(session, tip, unit, due=today + timedelta(days=10), user=staff, today=today)
            add_message(session, tip, MessageKind.staff_reply, "您反映的问题已转交属地政府核实办理。", user=staff)
        elif position == 2:
            move(session, tip, TipState.screened, actor=staff.username)
        elif position == 3:
            hand_over(session, tip, unit, due=today, user=staff, today=today)
            if officer is not None and officer.unit_id == unit.id:
                answer(session, tip, "经核实，已督促施工单位于本月底前完成。", user=officer)
            tip.answer_due = today - timedelta(days=3)  # an answer that came late, for the overdue signal
        elif position == 4:
            hand_over(session, tip, unit, due=today + timedelta(days=5), user=staff, today=today)
            move(session, tip, TipState.verified, actor=staff.username)
    session.flush()
    refresh_signals(session, today)


def _texts(session: Session, units: dict[str, Unit]) -> list[tuple[str, TipSource, str]]:
    """Tips written about the ledger's demo matters, when it has some."""
    rows = session.execute(
        select(Matter.title, Unit.code, Unit.name).join(Task, Task.matter_id == Matter.id)
        .join(Unit, Unit.id == Task.unit_id).order_by(Matter.id, Task.id)).all()
    if not rows:
        return list(UNIT_TIPS)
    texts: list[tuple[str, TipSource, str]] = []
    seen: set[str] = set()
    for title, code, name in rows:
        if title in seen:
            continue
        seen.add(title)
        place = name.replace("人民政府", "")
        texts.append((code, TipSource.public, f"{place}的“{title}”迟迟没有落实，群众反映强烈，希望督查部门过问。"))
        if len(texts) == 1:  # the same complaint again, from the media: a cluster
            texts.append((code, TipSource.media, f"记者调查：{place}“{title}”推进缓慢，群众反映强烈。"))
        if len(texts) >= 6:
            break
    return texts
