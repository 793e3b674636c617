"""The responsible unit's pages: tips handed over to it, and its answer."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from core.errors import DubanError
from plugins.media_tips.forms import AnswerForm
from plugins.media_tips.models import CATEGORY_LABELS, MESSAGE_LABELS, STATE_LABELS, Tip, TipState
from plugins.media_tips.triage import answer
from plugins.media_tips.views import bp
from web.plugin_api import capability_required, render_message, request_scope, request_session


@bp.get("/answers")
@capability_required("tips.answer")
def answers() -> str:
    """Tips handed over to the user's unit (or its subtree, for a unit head)."""
    scope = request_scope()
    stmt = scope.select(Tip).where(Tip.handed_unit_id.in_(scope.unit_ids("read")))
    tips = list(request_session().scalars(stmt.order_by(Tip.answered_at.is_not(None), Tip.answer_due, Tip.id)))
    return render_template("media_tips/answers.html", tips=tips, state_labels=STATE_LABELS, today=date.today())


@bp.route("/<int:tip_id>/answer", methods=["GET", "POST"])
@capability_required("tips.answer")
def answer_tip(tip_id: int) -> Response | str | tuple[str, int]:
    """Read a tip handed over to the unit (without the tipster's contact) and answer it."""
    tip = request_scope().get(Tip, tip_id, "write")
    form = AnswerForm()
    can_answer = tip.state == TipState.handed_over
    if can_answer and form.validate_on_submit():
        session = request_session()
        try:
            answer(session, tip, form.body.data, user=current_user)
        except DubanError as error:
            session.rollback()
            flash(render_message(error.message), "error")
            return render_template("media_tips/answer.html", tip=tip, form=form, can_answer=can_answer,
                                   state_labels=STATE_LABELS, message_labels=MESSAGE_LABELS,
                                   category_labels=CATEGORY_LABELS), 409
        session.commit()
        flash(gettext("Your answer has been sent. The tipster and the supervision staff can read it."), "info")
        return redirect(url_for("media_tips.answer_tip", tip_id=tip.id))
    if form.is_submitted() and not can_answer:
        abort(409)
    messages = [m for m in tip.messages if m.is_public]
    return render_template("media_tips/answer.html", tip=tip, form=form, can_answer=can_answer,
                           messages=messages, state_labels=STATE_LABELS, message_labels=MESSAGE_LABELS,
                           category_labels=CATEGORY_LABELS)
