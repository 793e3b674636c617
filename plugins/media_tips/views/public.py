"""Public pages: file a tip without an account, then follow it with the receipt code.

No IP address or other trace of the tipster is stored; the only link between a
person and a tip is the receipt code they keep.
"""
from __future__ import annotations

from flask import render_template

from core.errors import DubanError
from plugins.media_tips import receipts
from plugins.media_tips.forms import FollowUpForm, PublicTipForm, StatusForm
from plugins.media_tips.models import (
    CATEGORY_LABELS,
    MESSAGE_LABELS,
    STATE_LABELS,
    MessageKind,
    Tip,
    TipSource,
)
from plugins.media_tips.triage import NewTip, add_message, create_tip
from plugins.media_tips.views import bp
from plugins.media_tips.views.common import attach, check_files, discard, region_choices, today
from web.plugin_api import rate_limit, render_message, request_session


@bp.route("/new", methods=["GET", "POST"])
@rate_limit(methods=["POST"])
def file_tip() -> str | tuple[str, int]:
    """The public form: what happened, where, optional files and contact; answers with a receipt code."""
    form = PublicTipForm(region_choices())
    if form.validate_on_submit():
        session = request_session()
        session.info["actor"] = "public"
        stored: list[str] = []
        try:
            checked = check_files(form.files.data)
            tip, code = create_tip(session, NewTip(
                source=TipSource.public, text=form.text.data, region_code=form.region.data or "",
                place=form.place.data or "", unit_named=form.unit_named.data or "",
                category=form.category.data or "", contact=form.contact.data or ""),
                actor="public", today=today(), with_receipt=True)
            attach(tip, checked, stored)
            session.commit()
        except DubanError as error:
            session.rollback()
            discard(stored)
            form.text.errors = [*form.text.errors, render_message(error.message)]
            return render_template("media_tips/public_new.html", form=form), 400
        except BaseException:
            session.rollback()
            discard(stored)
            raise
        return render_template("media_tips/public_receipt.html", tip=tip, code=code)
    return render_template("media_tips/public_new.html", form=form)


@bp.route("/status", methods=["GET", "POST"])
@rate_limit(methods=["POST"])
def status() -> str | tuple[str, int]:
    """The tipster's view of their tip: its state, each step, replies and the unit's answer."""
    form = StatusForm()
    if form.validate_on_submit():
        tip = receipts.find_tip(request_session(), form.code.data)
        if tip is not None:
            return _status_page(tip, form.code.data)
        return render_template("media_tips/public_lookup.html", form=form, not_found=True), 404
    return render_template("media_tips/public_lookup.html", form=form, not_found=False)


@bp.post("/status/add")
@rate_limit()
def follow_up() -> str | tuple[str, int]:
    """More information from the tipster, proven by the receipt code."""
    form = FollowUpForm()
    session = request_session()
    tip = receipts.find_tip(session, form.code.data or "") if form.validate_on_submit() else None
    if tip is None:
        lookup = StatusForm(formdata=None)
        return render_template("media_tips/public_lookup.html", form=lookup, not_found=True), 404
    session.info["actor"] = "public"
    stored: list[str] = []
    try:
        checked = check_files(form.files.data)
        add_message(session, tip, MessageKind.tipster_info, form.text.data)
        attach(tip, checked, stored)
        session.commit()
    except DubanError as error:
        session.rollback()
        discard(stored)
        form.text.errors = [*form.text.errors, render_message(error.message)]
        return _status_page(tip, form.code.data, follow=form), 400
    except BaseException:
        session.rollback()
        discard(stored)
        raise
    return _status_page(tip, form.code.data, added=True)


def _status_page(tip: Tip, code: str, follow: FollowUpForm | None = None, added: bool = False) -> str:
    if follow is None:
        follow = FollowUpForm(formdata=None, data={"code": receipts.canonical(code)})
    messages = [message for message in tip.messages if message.is_public]
    return render_template("media_tips/public_status.html", tip=tip, messages=messages, events=tip.events,
                           follow=follow, added=added, state_labels=STATE_LABELS,
                           message_labels=MESSAGE_LABELS, category_labels=CATEGORY_LABELS)

