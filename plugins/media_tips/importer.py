"""``duban import tips``: tips from the media, the hotline or elsewhere, as CSV, XLSX or JSON Lines."""
from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.access.models import User
from core.access.scope import Scope
from core.errors import ValidationError
from core.hooktypes import ImportContext
from core.i18n import N_, message
from core.importing import (
    Column,
    ImportReport,
    MappedRow,
    MappedTable,
    choice,
    event_date,
    map_rows,
    read_table,
    region_code,
    text,
)
from core.org.models import Unit
from plugins.media_tips.access import scope_for
from plugins.media_tips.models import Tip, TipSource
from plugins.media_tips.triage import (
    MAX_TEXT,
    NewTip,
    create_tip,
    home_unit_for,
    relink,
    safe_url,
)

SOURCES = {"群众": "public", "公众": "public", "媒体": "media", "热线": "hotline", "其他": "other",
           **{source.value: source.value for source in TipSource}}
CATEGORIES = {"政策不落实": "not_implemented", "不作为": "inaction", "慢作为": "slow_action",
              "乱作为": "arbitrary_action", "其他": "other",
              **{key: key for key in ("not_implemented", "inaction", "slow_action", "arbitrary_action", "other")}}

COLUMNS = (
    Column("ref", "编号"),
    Column("text", "内容", required=True, parse=text),
    Column("source", "来源", required=True, parse=choice(SOURCES)),
    Column("url", "链接"),
    Column("region_code", "行政区划代码", parse=region_code),
    Column("unit_code", "单位代码"),
    Column("category", "类别", parse=choice(CATEGORIES)),
    Column("received_on", "日期", required=True, parse=event_date),
    Column("title", "标题"),
    Column("contact", "联系方式"),
)

# What an import may change on a tip already stored (its triage is left alone).
UPDATABLE = ("text", "url", "region_code", "category", "received_on", "title")


def natural_ref(row: MappedRow) -> str:
    """The tip number: the file's ``ref``, else one derived from the row, so re-imports match."""
    if row["ref"]:
        return str(row["ref"])[:120]
    basis = "|".join(str(row[key] or "") for key in ("source", "text", "url", "received_on"))
    return "imp-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]


def import_tips(session: Session, data: bytes, filename: str | None, context: ImportContext) -> ImportReport:
    """Create or update tips row by row; the caller commits only when every row is good."""
    mapped = map_rows(read_table(data, filename), COLUMNS, key=("ref",))
    user = session.get(User, context.user_id) if context.user_id is not None else None
    report, _tips = store_tip_rows(session, mapped, actor=context.actor,
                                   scope=scope_for(session, user) if user is not None else None, today=clock.today())
    return report


def store_tip_rows(session: Session, mapped: MappedTable, *, actor: str, scope: Scope | None,
                   today: date) -> tuple[ImportReport, list[Tip]]:
    """Create or update the tips of ``mapped`` (from a file or an API post); never commits.

    ``scope`` is the filer's (``None`` on the command line: no limit): a tip whose region's
    supervising unit lies outside it is held by the filer's own unit, and a stored tip
    held outside it is not changed. Returns the report (with ``mapped``'s errors) and
    each good row's tip, in row order; any error means the caller must store nothing.
    """
    report = ImportReport()
    stored: list[Tip] = []
    units = {code: unit for code, unit in ((u.code, u) for u in session.scalars(select(Unit)))}
    allowed = None if scope is None or scope.is_admin else set(session.scalars(scope.unit_ids("write")))
    refs = [natural_ref(row) for row in mapped.rows]
    existing = {tip.ref: tip for tip in session.scalars(select(Tip).where(Tip.ref.in_(refs)))} if refs else {}
    for row, ref in zip(mapped.rows, refs, strict=True):
        unit = None
        if row["unit_code"]:
            unit = units.get(str(row["unit_code"]))
            if unit is None:
                mapped.add_error(row.line, "unit_code", message("No unit has the code %(code)s.",
                                                                code=row["unit_code"]))
                continue
        if len(row["text"]) > MAX_TEXT:  # checked here too, for a stored tip changed by a later row
            mapped.add_error(row.line, "text", message(
                N_("The description is too long: at most %(limit)s characters."), limit=MAX_TEXT))
            continue
        fields = {"text": row["text"], "url": safe_url(row["url"] or ""), "region_code": row["region_code"] or "",
                  "category": row["category"] or "", "received_on": row["received_on"],
                  "title": row["title"] or ""}
        tip = existing.get(ref)
        if tip is not None:
            if allowed is not None and tip.home_unit_id not in allowed:
                mapped.add_error(row.line, "ref", message("Tip %(ref)s is held by a unit outside yours.", ref=ref))
                continue
            if all(getattr(tip, key) == fields[key] for key in UPDATABLE):
                report.unchanged += 1
            else:
                for key in UPDATABLE:
                    setattr(tip, key, fields[key])
                session.flush()
                relink(session, tip, named_unit_id=unit.id if unit else None)
                report.updated += 1
            stored.append(tip)
            continue
        try:
            with session.begin_nested():
                home = home_unit_for(session, fields["region_code"])
                if allowed is not None and home.id not in allowed:
                    home = _own_unit(scope)
                tip, _code = create_tip(session, NewTip(
                    source=TipSource(row["source"]), text=fields["text"], title=fields["title"],
                    url=fields["url"], region_code=fields["region_code"], unit_id=unit.id if unit else None,
                    category=fields["category"], contact=row["contact"] or "", received_on=fields["received_on"],
                    ref=ref), actor=actor, today=today, home_unit=home)
        except ValidationError as error:
            mapped.add_error(row.line, None, error.message)
            continue
        existing[ref] = tip
        stored.append(tip)
        report.created += 1
    report.extend(mapped.errors)
    return report, stored


def _own_unit(scope: Scope | None) -> Unit:
    unit = scope.user.unit if scope is not None and scope.user is not None else None
    if unit is None:
        raise ValidationError("You have no unit to file tips under.")
    return unit
