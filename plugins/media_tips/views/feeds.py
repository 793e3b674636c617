"""Staff configure the news feeds ``duban tick`` polls, and see how each last fared."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from core.errors import DubanError
from plugins.media_tips.feeds import check_url
from plugins.media_tips.forms import FeedForm
from plugins.media_tips.models import TipFeed
from plugins.media_tips.views import bp
from web.plugin_api import ActionForm, capability_required, render_message, request_scope, request_session


@bp.route("/feeds", methods=["GET", "POST"])
@capability_required("tips.triage")
def feeds() -> Response | str:
    scope, session = request_scope(), request_session()
    form = FeedForm()
    if form.validate_on_submit():
        try:
            url = check_url(form.url.data, current_app.config.get("OUTBOUND_ALLOWED_HOSTS") or ())
        except DubanError as error:
            form.url.errors = [render_message(error.message)]
        else:
            if current_user.unit_id is None:
                abort(403)
            session.add(TipFeed(name=form.name.data.strip(), url=url, home_unit_id=current_user.unit_id))
            session.commit()
            flash(gettext("The feed has been added; it is read at the next tick."), "info")
            return redirect(url_for("media_tips.feeds"))
    listed = list(session.scalars(scope.select(TipFeed).order_by(TipFeed.id)))
    return render_template("media_tips/feeds.html", form=form, feeds=listed)


@bp.post("/feeds/<int:feed_id>/toggle")
@capability_required("tips.triage")
def toggle_feed(feed_id: int) -> Response:
    feed = request_scope().get(TipFeed, feed_id, "write")
    if not ActionForm().validate_on_submit():
        abort(400)
    feed.active = not feed.active
    request_session().commit()
    flash(gettext("The feed is on.") if feed.active else gettext("The feed is off."), "info")
    return redirect(url_for("media_tips.feeds"))
