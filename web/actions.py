"""Ending a user action: commit and go on, or undo and say why."""
from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from core.errors import DubanError, InvalidTransition, ValidationError
from core.i18n import N_
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


# The largest number a query argument may carry: PostgreSQL's INTEGER, which holds every id
# and any page number a list can have.
MAX_INT_ARG = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]+")


def int_arg(name: str, default: int | None = None) -> Any:
    """A whole-number query argument, or ``default`` when missing or malformed.

    Only ASCII digits count (``"²".isdigit()`` is true, yet ``int("²")`` fails). A number
    beyond ``MAX_INT_ARG`` (``?page=99999999999999999999``) is refused with a 400 and a
    message rather than handed to the database, which cannot hold it.
    """
    value = request.args.get(name, "")
    if not _ASCII_DIGITS.fullmatch(value):
        return default
    if len(value.lstrip("0")) > len(str(MAX_INT_ARG)) or int(value) > MAX_INT_ARG:
        raise ValidationError(N_("The number given for %(name)s is too large."), name=name)
    return int(value)
