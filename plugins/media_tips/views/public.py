"""Public pages: file a tip without an account, then follow it with the receipt code.

No IP address or other trace of the tipster is stored; the only link between a
person and a tip is the receipt code they keep.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, make_response, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.db import utcnow
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
from web.plugin_api import (
    issue_form_token,
    rate_limit,
    read_form_token,
    remember,
    remembered,
    render_message,
    request_session,
    sent_earlier,
    sent_result,
    submit_once,
)

TIP_FORM = "media_tips:tip"


@bp.route("/new", methods=["GET", "POST"])
@rate_limit(methods=["POST"])
def file_tip() -> Response | tuple[Response, int]:
    """The public form: what happened, where, optional files and contact; answers with a receipt code.

    Sent once (web.plugin_api.submit_once): the post redirects to the receipt, and sending the
    same rendered form again (a reload, Back and send) shows the first receipt, filing nothing.
    """
    form = PublicTipForm(region_choices())
    if not form.validate_on_submit():
        return _form_page(form)
    try:
        token = read_form_token(TIP_FORM)
    except DubanError as error:
        form.text.errors = [*form.text.errors, render_message(error.message)]
        return _form_page(form), 400
    session = request_session()
    earlier = _sent_again(token.browser_digest, form.text.data or "")
    if earlier is not None:
        key = sent_earlier(session, token, {"tip": earlier})
        if key is not None:
            return redirect(url_for("media_tips.receipt", key=key), code=303)
    session.info["actor"] = "public"
    stored: list[str] = []
    codes: list[str] = []

    def file() -> dict[str, Any]:
        checked = check_files(form.files.data)
        tip, code = create_tip(session, NewTip(
            source=TipSource.public, text=form.text.data, region_code=form.region.data or "",
            place=form.place.data or "", unit_named=form.unit_named.data or "",
            category=form.category.data or "", contact=form.contact.data or "",
            form_digest=token.key_digest, browser_digest=token.browser_digest),
            actor="public", today=today(), with_receipt=True)
        attach(tip, checked, stored)
        codes.append(code or "")
        return {"tip": tip.id}

    try:
        sent = submit_once(session, token, file)
    except DubanError as error:
        session.rollback()
        discard(stored)
        form.text.errors = [*form.text.errors, render_message(error.message)]
        return _form_page(form), 400
    except BaseException:
        session.rollback()
        discard(stored)
        raise
    receipt_url = url_for("media_tips.receipt", key=token.key)
    if sent.again:
        discard(stored)  # another copy of this post filed the tip first
    else:
        remember(token, codes[0], receipt_url)
    return redirect(receipt_url, code=303)


def _sent_again(browser: str, text: str) -> int | None:
    """A public tip this browser filed in the last hour saying exactly ``text``: the same report sent again."""
    return request_session().scalar(select(Tip.id).where(
        Tip.source == TipSource.public, Tip.browser_digest == browser, Tip.text == text.strip(),
        Tip.created_at >= utcnow() - timedelta(hours=1)).order_by(Tip.id.desc()).limit(1))


def _form_page(form: PublicTipForm) -> Response:
    """The tip form with a fresh form token; Back returns to this very rendering (cached, not fetched)."""
    response = make_response(render_template("media_tips/public_new.html", form=form,
                                             form_token=issue_form_token(TIP_FORM)))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _sent_tip(key: str) -> tuple[Tip, str | None]:
    """The tip this browser filed with the rendering ``key``, and its receipt code while it is kept; else 404."""
    result = sent_result(request_session(), TIP_FORM, key)
    tip = request_session().get(Tip, result.get("tip")) if result else None
    if tip is None:
        abort(404)
    return tip, remembered(key)


@bp.get("/received/<key>")
def receipt(key: str) -> str:
    """The receipt of a tip just filed: its number and, for an hour in this browser, its receipt code."""
    tip, code = _sent_tip(key)
    return render_template("media_tips/public_receipt.html", tip=tip, code=code, key=key)


@bp.get("/received/<key>/receipt.txt")
def receipt_text(key: str) -> Response:
    """The receipt as a small text file to keep (only while the code is still kept in this browser)."""
    tip, code = _sent_tip(key)
    if code is None:
        abort(404)
    lines = [gettext("Report number: %(ref)s", ref=tip.ref), gettext("Query code: %(code)s", code=code),
             gettext("Received on: %(day)s", day=tip.received_on.isoformat()),
             gettext("Check the status at %(url)s with the query code.",
                     url=url_for("media_tips.status", _external=True))]
    response = make_response("\r\n".join(lines) + "\r\n")
    response.mimetype = "text/plain"
    response.headers["Content-Disposition"] = f'attachment; filename="{tip.ref}.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/status", methods=["GET", "POST"])
@rate_limit(methods=["POST"])
def status() -> str | tuple[str, int]:
    """The tipster's view of their tip: its state, each step, replies and the unit's answer."""
    form = StatusForm()
    if form.validate_on_submit():
        if receipts.is_tip_number(form.code.data):
            # The number alone opens nothing (it is not secret): say what to enter instead.
            return render_template("media_tips/public_lookup.html", form=form, not_found=False,
                                   number_given=True), 400
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

