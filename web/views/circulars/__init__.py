"""Circulars (情况通报), the explanations they demand, referrals and typical cases: the staff pages."""
from __future__ import annotations

from flask import Blueprint

from core.hooktypes import SignalKind
from core.plugins import signal_kinds
from web import db

bp = Blueprint("circulars", __name__, url_prefix="/circulars")


def kinds() -> list[SignalKind]:
    """The signal kinds of the plugins loaded in this app."""
    return signal_kinds(db.plugins())


def kinds_by_measure() -> dict[str, SignalKind]:
    """Signal kinds by measure name (``signal:<source>.<kind>``)."""
    from core.circulars.rankings import signal_measures

    return signal_measures(kinds())


from web.views.circulars import cases, circulars, referrals  # noqa: E402,F401
