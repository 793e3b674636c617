"""The supervision ledger's pages: matters, tasks, reports, overdue lists, notifications, research."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


def today() -> date:
    """Today in the instance's time zone (deadlines are local dates)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    return datetime.now(UTC).astimezone(zone).date()


def warning_days() -> int:
    """Days before a deadline when a task turns yellow (``DEADLINE_WARNING_DAYS``, default 3)."""
    return int(current_app.config.get("DEADLINE_WARNING_DAYS", 3))


def attachment_folder() -> str:
    """Where report attachments are kept: inside the instance folder, never under static."""
    return current_app.config.get("ATTACHMENT_FOLDER") or os.path.join(current_app.instance_path, "attachments")


def attachment_max_bytes() -> int:
    from core.ledger.attachments import DEFAULT_MAX_BYTES

    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None) -> str:
    """A stored (UTC) time as the instance's local ``YYYY-MM-DD HH:MM``."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


from web.views.ledger import matters, notifications, overdue, reports, research, tasks  # noqa: E402,F401
