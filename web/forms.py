"""Small helpers shared by the web forms."""
from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A form with no fields: a button that only needs the CSRF token."""
