"""The work plan's pages (督促检查工作计划) and the special campaigns' (专项督查)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")

from web.views.plans import campaigns, exports, plans  # noqa: E402,F401
