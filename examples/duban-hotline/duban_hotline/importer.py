"""``duban import hotline_orders``: the 12345 hotline's export of work orders, as CSV or XLSX.

Columns (English or Chinese headers): **number** 工单编号, received_at 受理时间, region 所属区域
(a six-digit region code or a unit's name), category 诉求类型, text 诉求内容, handling_unit 承办单位
(a unit's code or name, optional), satisfaction 满意度 (optional), closed_at 办结时间 (optional),
matter_code 事项编号 (optional: the matter, when the hotline's staff already know it). All rows or
none: a file with one unknown region or bad date writes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.hooktypes import ImportContext
from core.i18n import N_, message
from core.importing import (
    Column,
    ImportReport,
    MappedRow,
    choice,
    event_time,
    map_rows,
    optional_text,
    read_table,
    text,
)
from core.ledger.models import Matter
from core.linking import LinkIndex, index_for, normalise
from core.org.models import Unit, UnitLevel
from duban_hotline.access import scope_for
from duban_hotline.models import Category, Order, Satisfaction

CATEGORIES = {"投诉": "complaint", "举报": "report", "求助": "help", "咨询": "inquiry", "建议": "suggestion",
              "其他": "other", **{category.value: category.value for category in Category}}
SATISFACTION = {"满意": "satisfied", "基本满意": "basically_satisfied", "不满意": "dissatisfied",
                **{level.value: level.value for level in Satisfaction}}

COLUMNS = (
    Column("number", "工单编号", required=True, aliases=("order_number", "工单号")),
    Column("received_at", "受理时间", required=True, parse=event_time, aliases=("来电时间",)),
    Column("region", "所属区域", required=True, aliases=("region_code", "区域", "行政区划代码")),
    Column("category", "诉求类型", required=True, parse=choice(CATEGORIES), aliases=("类别",)),
    Column("text", "诉求内容", required=True, parse=text, aliases=("内容",)),
    Column("handling_unit", "承办单位", parse=optional_text, aliases=("办理单位",)),
    Column("satisfaction", "满意度", parse=choice(SATISFACTION), aliases=("满意度评价",)),
    Column("closed_at", "办结时间", parse=event_time),
    Column("matter_code", "事项编号", parse=optional_text),
)
MAX_TEXT = 4000
#: The linker's scores from which its best matter and unit are taken (as the tips plugin does).
MATTER_FROM, UNIT_FROM = 0.12, 0.3
#: Units that answer for a region: its government, not a department sharing the code.
GOVERNMENTS = (UnitLevel.province, UnitLevel.city, UnitLevel.county, UnitLevel.town)
#: What a re-import may change on a stored order.
FIELDS = ("received_at", "region_code", "category", "text", "handling_unit_id", "satisfaction", "closed_at")


@dataclass
class Units:
    """The unit tree, read once: by code, by name (as written and without 人民政府), by region."""

    by_code: dict[str, Unit]
    by_name: dict[str, Unit]
    by_region: dict[str, Unit]

    @classmethod
    def read(cls, session: Session) -> Units:
        units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.path)))
        by_name: dict[str, Unit] = {}
        by_region: dict[str, Unit] = {}
        for unit in units:
            name = normalise(unit.name)
            by_name.setdefault(name, unit)
            by_name.setdefault(name.removesuffix("人民政府"), unit)
            if unit.level in GOVERNMENTS:
                by_region.setdefault(unit.region_code, unit)  # the highest government of the region
        return cls({unit.code: unit for unit in units}, by_name, by_region)

    def region(self, written: str) -> Unit | None:
        """The government of a region written as its code or as the name of a unit."""
        found = self.by_region.get(written.strip())
        if found is None:
            named = self.by_name.get(normalise(written).strip())
            found = self.by_region.get(named.region_code) if named is not None else None
        return found

    def unit(self, written: str) -> Unit | None:
        """A unit written as its code or its name."""
        return self.by_code.get(written.strip()) or self.by_name.get(normalise(written).strip())


def import_orders(session: Session, data: bytes, filename: str | None, context: ImportContext) -> ImportReport:
    """Create or update orders row by row, linked to units and matters; the caller commits only when all are good."""
    mapped = map_rows(read_table(data, filename), COLUMNS, key=("number",))
    user = session.get(User, context.user_id) if context.user_id is not None else None
    allowed = None
    if user is not None:
        scope = scope_for(session, user)
        allowed = None if scope.is_admin else set(session.scalars(scope.unit_ids("write")))
    units = Units.read(session)
    matters = _matters(session, [row["matter_code"] for row in mapped.rows if row["matter_code"]])
    numbers = [str(row["number"])[:64] for row in mapped.rows]
    stored = {order.number: order for order in session.scalars(select(Order).where(Order.number.in_(numbers)))} \
        if numbers else {}
    report = ImportReport()
    good: list[tuple[MappedRow, dict[str, Any], Matter | None, Unit]] = []
    for row in mapped.rows:
        problems = _problems(row, units, matters)
        for key, problem in problems:
            mapped.add_error(row.line, key, problem)
        if problems:
            continue
        region = units.region(row["region"])
        handling = units.unit(row["handling_unit"]) if row["handling_unit"] else None
        if region is None:  # reported by _problems
            continue
        fields = {"received_at": row["received_at"], "region_code": region.region_code,
                  "category": Category(row["category"]), "text": row["text"],
                  "handling_unit_id": handling.id if handling else None,
                  "satisfaction": Satisfaction(row["satisfaction"]) if row["satisfaction"] else None,
                  "closed_at": row["closed_at"]}
        if allowed is not None and (handling or region).id not in allowed:
            mapped.add_error(row.line, "region", message(
                N_("Order %(number)s concerns %(unit)s, outside your units."),
                number=row["number"], unit=(handling or region).name))
            continue
        good.append((row, fields, matters.get(row["matter_code"] or ""), region))
    report.extend(mapped.errors)
    if not report.ok:
        return report
    if not good:
        return report
    index = index_for(session, taught_examples(session))
    for row, fields, matter, region in good:
        number = str(row["number"])
        order = stored.get(number)
        if order is not None and _same(order, fields, matter):
            report.unchanged += 1
            continue
        if order is None:
            order = Order(number=number, imported_by=context.actor)
            session.add(order)
            report.created += 1
        else:
            report.updated += 1
        for key, value in fields.items():
            setattr(order, key, value)
        _link(order, index, region, matter)
    session.flush()
    if not context.dry_run and (report.created or report.updated):
        from duban_hotline.signals import refresh_signals

        refresh_signals(session)
    return report


def _matters(session: Session, codes: Iterable[str]) -> dict[str, Matter]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {matter.code: matter for matter in session.scalars(select(Matter).where(Matter.code.in_(wanted)))}


def _problems(row: MappedRow, units: Units, matters: dict[str, Matter]) -> list[tuple[str, Any]]:
    """What is wrong with one row, each with its column; nothing when the row may be stored."""
    problems: list[tuple[str, Any]] = []
    if len(str(row["number"])) > 64:
        problems.append(("number", message("At most %(count)s characters.", count=64)))
    if len(row["text"]) > MAX_TEXT:
        problems.append(("text", message("At most %(count)s characters.", count=MAX_TEXT)))
    if units.region(row["region"]) is None:
        problems.append(("region", message(
            N_("No government of the unit tree covers the region %(region)s; write its six-digit code or a "
               "unit's name."), region=row["region"])))
    if row["handling_unit"] and units.unit(row["handling_unit"]) is None:
        problems.append(("handling_unit", message(N_("No unit has the code or name %(unit)s."),
                                                  unit=row["handling_unit"])))
    if row["matter_code"] and row["matter_code"] not in matters:
        problems.append(("matter_code", message(N_("No matter has the code %(code)s."), code=row["matter_code"])))
    closed: datetime | None = row["closed_at"]
    if closed is not None and closed < row["received_at"]:
        problems.append(("closed_at", message(N_("The order was closed before it was received."))))
    if row["satisfaction"] and closed is None:
        problems.append(("satisfaction", message(N_("Only a closed order has the caller's rating."))))
    return problems


def _same(order: Order, fields: dict[str, Any], matter: Matter | None) -> bool:
    if matter is not None and order.matter_id != matter.id:
        return False
    return all(_comparable(getattr(order, key)) == _comparable(fields[key]) for key in FIELDS)


def _comparable(value: Any) -> Any:
    # SQLite hands stored times back naive (in UTC); a file's are aware.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _link(order: Order, index: LinkIndex, region: Unit, matter: Matter | None) -> None:
    """The unit and matter the order concerns: what the file says, else the linker's best, else the region's."""
    result = index.link(order.text, region_code=region.region_code, unit_id=order.handling_unit_id)
    if matter is not None:
        order.matter_id, order.matter_score, order.matter_given = matter.id, None, True
    else:
        best = result.matters[0] if result.matters and result.matters[0].score >= MATTER_FROM else None
        order.matter_id = best.id if best else None
        order.matter_score = best.score if best else None
        order.matter_given = False
    if order.handling_unit_id is not None:
        order.unit_id = order.handling_unit_id
    elif result.units and result.units[0].score >= UNIT_FROM:
        order.unit_id = result.units[0].id
    else:
        order.unit_id = region.id


def taught_examples(session: Session) -> list[tuple[int, str]]:
    """``(matter id, text)`` of the orders whose file named their matter: they teach the shared linker."""
    return [(matter_id, order_text) for matter_id, order_text in session.execute(
        select(Order.matter_id, Order.text).where(Order.matter_given.is_(True), Order.matter_id.is_not(None))
        .order_by(Order.id)) if matter_id is not None]
