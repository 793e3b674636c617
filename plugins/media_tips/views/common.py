"""Helpers shared by the tips views."""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from wtforms.fields.choices import SelectChoice

from core.org.models import Unit, UnitLevel
from plugins.media_tips import attachments
from plugins.media_tips.models import Tip, TipAttachment
from web.plugin_api import request_session


def region_choices() -> list[SelectChoice]:
    """Regions a tip may be filed for: the province, then each city with its counties (an option group).

    Several units may share a region code (a government and its departments); the first
    government of each code names it.
    """
    rows = request_session().execute(
        select(Unit.id, Unit.parent_id, Unit.region_code, Unit.name, Unit.level).where(
            Unit.active.is_(True), Unit.level.in_([UnitLevel.province, UnitLevel.city, UnitLevel.county]))
        .order_by(Unit.path))
    cities: dict[int, str] = {}
    seen: set[str] = set()
    top: list[SelectChoice] = []
    grouped: list[SelectChoice] = []
    for unit_id, parent_id, region, name, level in rows:
        short = name.replace("人民政府", "")
        if level == UnitLevel.city:
            cities[unit_id] = short
        if region in seen:
            continue
        seen.add(region)
        if level == UnitLevel.province:
            top.append(SelectChoice(region, gettext("%(name)s (whole province)", name=short)))
        elif level == UnitLevel.city:
            grouped.append(SelectChoice(region, gettext("%(name)s (whole city)", name=short), optgroup=short))
        elif parent_id in cities:
            grouped.append(SelectChoice(region, short, optgroup=cities[parent_id]))
        else:
            top.append(SelectChoice(region, short))
    # Units come in path order, so a city's counties follow it; grouped by city, keeping that order.
    order = {group: index for index, group in enumerate(dict.fromkeys(choice.optgroup for choice in grouped))}
    return top + sorted(grouped, key=lambda choice: order[choice.optgroup])


def check_files(files: list[FileStorage] | None) -> list[attachments.CheckedFile]:
    """Read and check the uploaded files; raises AttachmentRejected for the first bad one."""
    chosen = [f for f in (files or []) if f and f.filename]
    if len(chosen) > attachments.MAX_FILES:
        raise attachments.AttachmentRejected("At most %(count)s files may be attached.", count=attachments.MAX_FILES)
    checked = []
    for upload in chosen:
        data = upload.stream.read(attachments.MAX_BYTES + 1)
        checked.append(attachments.check(data, upload.filename or ""))
    return checked


def attach(tip: Tip, checked: list[attachments.CheckedFile], stored: list[str]) -> None:
    """Store checked files for ``tip``; ``stored`` collects their names for clean-up on failure."""
    for item in checked:
        name = attachments.store(current_app.instance_path, item)
        stored.append(name)
        tip.attachments.append(TipAttachment(stored_name=name, original_name=item.original_name,
                                             content_type=item.content_type, size=len(item.data),
                                             sha256=item.sha256))


def discard(stored: list[str]) -> None:
    attachments.remove(current_app.instance_path, stored)


def today() -> date:
    return date.today()
