"""The supervision ledger's pages: matters, tasks, reports, overdue lists, notifications, research."""
from __future__ import annotations

import os
from datetime import date

from flask import Blueprint, current_app

from core import clock

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


def today() -> date:
    """Today in the instance's time zone (deadlines are local dates)."""
    return clock.today()


def warning_days() -> int:
    """Days before a deadline when a task turns yellow (``DEADLINE_WARNING_DAYS``, default 3)."""
    return int(current_app.config.get("DEADLINE_WARNING_DAYS", 3))


def attachment_folder() -> str:
    """Where report attachments are kept: inside the instance folder, never under static."""
    return current_app.config.get("ATTACHMENT_FOLDER") or os.path.join(current_app.instance_path, "attachments")


def attachment_max_bytes() -> int:
    from core.ledger.attachments import DEFAULT_MAX_BYTES

    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


from web.views.ledger import matters, notifications, overdue, reports, research, tasks  # noqa: E402,F401
