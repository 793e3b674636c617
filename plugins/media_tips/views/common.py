"""Helpers shared by the tips views."""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from core.org.models import Unit, UnitLevel
from plugins.media_tips import attachments
from plugins.media_tips.models import Tip, TipAttachment
from web.plugin_api import request_session


def region_choices() -> list[tuple[str, str]]:
    """Regions a tip may be filed for: the province, its cities and counties."""
    rows = request_session().execute(
        select(Unit.region_code, Unit.name, Unit.level).where(
            Unit.active.is_(True), Unit.level.in_([UnitLevel.province, UnitLevel.city, UnitLevel.county]))
        .order_by(Unit.path))
    seen: dict[str, str] = {}
    for region, name, _level in rows:
        seen.setdefault(region, name.replace("人民政府", ""))
    return list(seen.items())


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
