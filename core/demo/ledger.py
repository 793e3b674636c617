"""The demo province's ledger: matters of every kind, tasks in every state.

Built through the same functions the pages call (dispatch, sign, report,
review, close, urge), so the timelines and notifications are real. Deadlines
are relative to ``today``: some tasks are overdue, some near, some sent back.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.access.scope import Scope
from core.ledger.dispatch import MatterFields, dispatch_task, redispatch_task, save_matter
from core.ledger.models import Cadence, Matter, MatterKind, Task
from core.ledger.research import FindingKind, add_finding, add_visit, create_topic
from core.ledger.workflow import close_task, file_report, give_delay_reason, review_report, sign_task, urge_task
from core.org.models import Unit


class _Demo:
    def __init__(self, session: Session, today: date) -> None:
        self.session, self.today = session, today
        users = {u.username: u for u in session.scalars(select(User))}
        self.scopes = {name: Scope(session, user) for name, user in users.items()}
        self.units = {u.code: u.id for u in session.scalars(select(Unit))}

    def matter(self, by: str, code: str, title: str, kind: MatterKind, source_ref: str, *,
               importance: int = 3, attention: int = 2, people: int = 0, money: int = 0,
               description: str = "") -> Matter:
        return save_matter(self.scopes[by], None, MatterFields(
            code=code, title=title, kind=kind, source_ref=source_ref, description=description,
            importance=importance, public_attention=attention, people_affected=people,
            money_affected=Decimal(money)))

    def task(self, by: str, matter: Matter, unit: str, text: str, days: int, *,
             cadence: Cadence = Cadence.once, co: tuple[str, ...] = ()) -> Task:
        deadline = self.today + timedelta(days=days)
        return dispatch_task(self.scopes[by], matter, unit_id=self.units[unit], description=text,
                             deadline=deadline, cadence=cadence, co_unit_ids=[self.units[c] for c in co],
                             today=self.today if days >= 0 else None)

    def sign(self, who: str, task: Task) -> None:
        sign_task(self.scopes[who], task.id)

    def report(self, who: str, task: Task, text: str, percent: int) -> int:
        return file_report(self.scopes[who], task.id, text=text, percent_done=percent).id

    def review(self, who: str, report_id: int, accept: bool, comment: str = "") -> None:
        review_report(self.scopes[who], report_id, accept=accept, comment=comment)


def build_ledger(session: Session, today: date) -> None:
    """Add the demo ledger; the demo units and accounts must exist."""
    d = _Demo(session, today)

    m1 = d.matter("duchashi", "DB-2026-001", "贯彻落实《关于进一步加强政府督促检查工作的意见》",
                  MatterKind.document, "国办发〔2014〕42号", importance=5, attention=3,
                  description="建立督查台账，实行动态管理；限期报告，跟踪问效。")
    t = d.task("duchashi", m1, "990100", "建立市级督查工作台账并按月报送进展", 45, cadence=Cadence.monthly)
    d.sign("qingshan", t)
    d.task("duchashi", m1, "990200", "建立市级督查工作台账并按月报送进展", 45, cadence=Cadence.monthly)
    d.task("duchashi", m1, "990300", "报送督查工作机构设置和人员配备情况", -6)

    m2 = d.matter("duchashi", "DB-2026-002", "城镇老旧小区改造（省政府第15次常务会议议定事项）",
                  MatterKind.meeting, "省政府第15次常务会议纪要〔2026〕15号", importance=4, attention=4,
                  people=38000, money=420_000_000)
    t = d.task("duchashi", m2, "990102", "完成32个老旧小区改造，惠及居民1.2万户", 30, co=("990000-ZJT",))
    d.sign("hedong", t)
    r = d.report("hedong", t, "32个小区已全部完工并通过竣工验收，附验收清单。", 100)
    d.review("duchashi", r, accept=True)
    close_task(d.scopes["duchashi"], t.id, note="经核实已完成，同意销号。")
    t = d.task("duchashi", m2, "990103", "完成21个老旧小区改造，同步加装电梯40部", 2, co=("990000-ZJT",))
    d.sign("hexi", t)
    r = d.report("hexi", t, "已开工18个小区，加装电梯完成12部。", 60)
    d.review("duchashi", r, accept=False, comment="进度与时序要求差距较大，请补充未开工小区的具体计划和责任人。")

    m3 = d.matter("duchashi", "DB-2026-003", "李副省长关于白河流域非法采砂问题的批示",
                  MatterKind.instruction, "省领导批示件第2026-037号", importance=5, attention=5, people=5200,
                  description="请省生态环境厅牵头，会同相关市县彻查，限期整改到位并报结果。")
    t = d.task("duchashi", m3, "990102", "排查辖区河道非法采砂点位并全部取缔", 10, co=("990000-STT",))
    d.sign("hedong", t)
    d.report("hedong", t, "排查点位14处，已取缔11处，其余3处正在依法处置。", 80)
    t = d.task("duchashi", m3, "990103", "排查辖区河道非法采砂点位并全部取缔", -3, co=("990000-STT",))
    urge_task(d.scopes["duchashi"], t.id, text="该任务已逾期，请于3日内报送整改进展并说明逾期原因。")
    d.task("duchashi", m3, "990000-STT", "牵头建立全省河道采砂联合执法机制", 20)

    m4 = d.matter("duchashi", "DB-2026-004", "国务院大督查反馈问题整改：农村饮水安全巩固提升",
                  MatterKind.assignment, "国务院第十次大督查反馈意见 国督查〔2026〕3号", importance=5,
                  attention=4, people=126000, money=86_000_000)
    t = d.task("duchashi", m4, "990102", "完成农村供水管网改造86公里", 60, cadence=Cadence.monthly)
    d.sign("hedong", t)
    r = d.report("hedong", t, "本月完成管网改造31公里，累计完成36%。", 36)
    d.review("duchashi", r, accept=True, comment="进度符合要求，请继续按月报送。")
    t = d.task("duchashi", m4, "990103", "解决3个行政村季节性缺水问题", -12)
    d.sign("hexi", t)
    give_delay_reason(d.scopes["hexi"], t.id, today=today,
                      reason="水源地调整需重新办理取水许可，审批尚未完成，预计延期20天。")
    d.task("duchashi", m4, "990221", "完成柳营镇集中供水工程主体建设", -20)

    m5 = d.matter("duchashi", "DB-2026-005", "2026年政府工作报告目标任务：城镇新增就业5万人",
                  MatterKind.work_report, "2026年省政府工作报告", importance=4, attention=3, people=50000)
    d.task("duchashi", m5, "990000-FGW", "统筹重大项目带动就业，按季度报送新增就业岗位", 200,
           cadence=Cadence.quarterly)
    t = d.task("duchashi", m5, "990100", "青山市城镇新增就业1.8万人", 180, cadence=Cadence.quarterly)
    d.sign("qingshan", t)
    redispatch_task(d.scopes["qingshan"], t.id, unit_ids=[d.units["990102"], d.units["990103"]],
                    description="城镇新增就业6000人，按季度报送", deadline=today + timedelta(days=170),
                    today=today)

    m6 = d.matter("duchashi", "DB-2026-006", "优化营商环境“一网通办”改革",
                  MatterKind.other, "示政办发〔2026〕8号", importance=3, attention=3)
    t = d.task("duchashi", m6, "990102", "政务服务事项网上可办率达到95%以上", 25)
    d.sign("hedong", t)
    r = d.report("hedong", t, "网上可办率达到88%。", 70)
    d.review("duchashi", r, accept=False, comment="请附事项清单及系统统计截图。")
    d.report("hedong", t, "网上可办率达到93%，附事项清单。", 90)
    d.task("duchashi", m6, "990000-JYT", "教育类政务服务事项全部接入省一体化平台", 1)

    m7 = d.matter("qingshan", "QS-2026-001", "青山市中心城区黑臭水体治理",
                  MatterKind.meeting, "青山市政府专题会议纪要〔2026〕6号", importance=4, attention=5,
                  people=210000, money=150_000_000)
    t = d.task("qingshan", m7, "990102", "完成东湖支渠截污纳管工程", 40)
    d.sign("hedong", t)
    t = d.task("qingshan", m7, "990103", "完成西河沿线排口整治", 15)
    d.sign("hexi", t)
    d.report("hexi", t, "排口整治完成26处，剩余4处本月底前完成。", 85)

    topic = create_topic(d.scopes["duchashi"], title="基层减负与督查检查考核统筹", matter_ids=[m1.id, m6.id],
                         description="调研督查检查考核过多过频问题，提出统筹归并的意见建议。")
    add_visit(session, topic, unit=session.get_one(Unit, d.units["990102"]), visited_on=today - timedelta(days=14),
              participants="省督查室 王敏等3人", notes="座谈街道干部12人，查阅台账材料。")
    add_visit(session, topic, unit=session.get_one(Unit, d.units["990121"]), visited_on=today - timedelta(days=9),
              participants="省督查室 王敏等3人", notes="实地走访2个乡镇。")
    add_finding(session, topic, kind=FindingKind.finding,
                text="部分事项多头报送，同一材料一月内被不同部门要求报送3次以上。", matter=m6)
    add_finding(session, topic, kind=FindingKind.recommendation,
                text="建立全省统一的督查台账系统，一次报送、多方共享。", matter=m1)
