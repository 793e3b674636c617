"""The survey pages: the public form, staff pages, and the OpenRosa endpoints."""
from __future__ import annotations

import os

from flask import Blueprint

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

bp = Blueprint("survey", __name__, template_folder=os.path.join(HERE, "templates"),
               static_folder=os.path.join(HERE, "static"), static_url_path="/survey-static")

from plugins.survey.views import collect, public, qr, staff  # noqa: E402,F401  (routes)
