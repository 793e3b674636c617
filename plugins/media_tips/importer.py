"""``duban import tips``: tips from the media, the hotline or elsewhere, as CSV, XLSX or JSON Lines."""
from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import User
from core.errors import ValidationError
from core.hooktypes import ImportContext
from core.i18n import message
from core.importing import Column, ImportReport, MappedRow, choice, iso_date, map_rows, read_table, region_code, text
from core.org.models import Unit
from plugins.media_tips.access import scope_for
from plugins.media_tips.models import Tip, TipSource
from plugins.media_tips.triage import NewTip, create_tip, home_unit_for, relink, safe_url

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
    Column("received_on", "日期", required=True, parse=iso_date),
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
    report = ImportReport()
    units = {code: unit for code, unit in ((u.code, u) for u in session.scalars(select(Unit)))}
    allowed = _writable_units(session, context)
    refs = [natural_ref(row) for row in mapped.rows]
    existing = {tip.ref: tip for tip in session.scalars(select(Tip).where(Tip.ref.in_(refs)))} if refs else {}
    today = date.today()
    for row, ref in zip(mapped.rows, refs):
        unit = None
        if row["unit_code"]:
            unit = units.get(str(row["unit_code"]))
            if unit is None:
                mapped.add_error(row.line, "unit_code", message("No unit has the code %(code)s.",
                                                                code=row["unit_code"]))
                continue
        fields = {"text": row["text"], "url": safe_url(row["url"] or ""), "region_code": row["region_code"] or "",
                  "category": row["category"] or "", "received_on": row["received_on"],
                  "title": row["title"] or ""}
        tip = existing.get(ref)
        if tip is not None:
            if allowed is not None and tip.home_unit_id not in allowed:
                mapped.add_error(row.line, "ref", message("Tip %(ref)s is held by a unit outside yours.", ref=ref))
            elif all(getattr(tip, key) == fields[key] for key in UPDATABLE):
                report.unchanged += 1
            else:
                for key in UPDATABLE:
                    setattr(tip, key, fields[key])
                session.flush()
                relink(session, tip, named_unit_id=unit.id if unit else None)
                report.updated += 1
            continue
        home = home_unit_for(session, fields["region_code"])
        if allowed is not None and home.id not in allowed:
            home = _own_unit(session, context)
        try:
            with session.begin_nested():
                tip, _code = create_tip(session, NewTip(
                    source=TipSource(row["source"]), text=fields["text"], title=fields["title"],
                    url=fields["url"], region_code=fields["region_code"], unit_id=unit.id if unit else None,
                    category=fields["category"], contact=row["contact"] or "", received_on=fields["received_on"],
                    ref=ref), actor=context.actor, today=today, home_unit=home)
        except ValidationError as error:
            mapped.add_error(row.line, None, error.message)
            continue
        existing[ref] = tip
        report.created += 1
    report.extend(mapped.errors)
    return report


def _writable_units(session: Session, context: ImportContext) -> set[int] | None:
    """Units the importing user may file tips under; None for the command line (no limit)."""
    if context.user_id is None:
        return None
    user = session.get(User, context.user_id)
    scope = scope_for(session, user)
    if scope.is_admin:
        return None
    return set(session.scalars(scope.unit_ids("write")))


def _own_unit(session: Session, context: ImportContext) -> Unit:
    user = session.get(User, context.user_id)
    if user is None or user.unit is None:
        raise ValidationError("You have no unit to file tips under.")
    return user.unit
