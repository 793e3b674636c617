"""A user's notifications: reminders, urging notices, replies; read and mark as read."""
from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from core.ledger.queries import paginate
from core.notify import (
    Notification,
    mark_all_read,
    mark_read,
    render_body,
    render_subject,
)
from web import db
from web.actions import int_arg
from web.forms import ActionForm
from web.i18n import safe_next
from web.views.ledger import bp


@bp.get("/notifications")
@login_required
def notifications() -> str:
    scope = db.scope()
    page = paginate(scope, scope.select(Notification).order_by(Notification.id.desc()), int_arg("page", 1))
    return render_template("ledger/notifications.html", page=page,
                           subject=lambda n: render_subject(n, gettext), body=lambda n: render_body(n, gettext))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    notification = db.scope().get(Notification, notification_id)
    mark_read(notification)
    db.session().commit()
    return redirect(safe_next(notification.link, url_for("ledger.notifications")))


@bp.post("/notifications/read")
@login_required
def read_all() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    mark_all_read(db.session(), current_user.id)
    db.session().commit()
    return redirect(url_for("ledger.notifications"))


