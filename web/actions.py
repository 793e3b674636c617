"""Ending a user action: commit and go on, or undo and say why."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from core.errors import DubanError, InvalidTransition, ValidationError
from web import db
from web.i18n import render_message, safe_next

# Refusals a user can fix, shown on the page; NotFound and Forbidden stay HTTP errors.
USER_ERRORS = (ValidationError, InvalidTransition)


def refused(error: DubanError, fallback: str) -> Response:
    """Undo the action, show why it was refused, and go back (to the form's ``next`` if safe)."""
    db.session().rollback()
    flash(render_message(error.message), "error")
    return redirect(safe_next(request.form.get("next"), fallback))


def done(text: str, target: str) -> Response:
    """Commit the action, say so, and go on."""
    db.session().commit()
    flash(text, "info")
    return redirect(target)


def int_arg(name: str, default: int | None = None) -> Any:
    """A whole-number query argument, or ``default`` when missing or malformed."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else default
