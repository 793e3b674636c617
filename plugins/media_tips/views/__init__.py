"""The tips pages: public filing and status, staff triage, the unit's answers, feeds."""
from __future__ import annotations

import os

from flask import Blueprint

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

bp = Blueprint("media_tips", __name__, url_prefix="/tips",
               template_folder=os.path.join(HERE, "templates"),
               static_folder=os.path.join(HERE, "static"), static_url_path="/static")

from plugins.media_tips.views import answers, feeds, public, staff  # noqa: E402,F401  (routes)
