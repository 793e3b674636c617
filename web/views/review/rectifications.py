"""Rectifications after confirmed problems: the unit reports the fix, a look-back is scheduled."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from core.review.models import RECTIFICATION_LABELS, SEVERITY_LABELS, Rectification
from core.review.outcomes import report_fixed
from web import db
from web.actions import USER_ERRORS, done, refused
from web.auth import capability_required
from web.views.ledger import today
from web.views.review import bp
from web.views.review.forms import FixedForm


@bp.get("/rectifications")
@capability_required("ledger.view")
def rectifications() -> str:
    listed = list(db.session().scalars(db.scope().select(Rectification).order_by(Rectification.deadline).limit(500)))
    return render_template("review/rectifications.html", rectifications=listed, labels=RECTIFICATION_LABELS)


@bp.get("/rectifications/<int:rectification_id>")
@capability_required("ledger.view")
def rectification(rectification_id: int) -> str:
    scope = db.scope()
    item = scope.get(Rectification, rectification_id)
    writable = bool(scope.filter_ids(Rectification, [item.id], "write"))
    return render_template("review/rectification.html", item=item, labels=RECTIFICATION_LABELS,
                           severity_labels=SEVERITY_LABELS, form=FixedForm(formdata=None), writable=writable)


@bp.post("/rectifications/<int:rectification_id>/fixed")
@capability_required("ledger.view")
def fixed(rectification_id: int) -> Response:
    back = url_for("review.rectification", rectification_id=rectification_id)
    form = FixedForm()
    if not form.validate_on_submit():
        flash(gettext("Say what was done to fix the problem."), "error")
        return redirect(back)
    try:
        report_fixed(db.scope(), rectification_id, note=form.note.data, today=today())
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("Reported fixed; a look-back visit is scheduled."), back)
