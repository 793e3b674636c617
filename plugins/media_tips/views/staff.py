"""Staff pages: the tip list, intake, a tip's page with triage, links and replies, clusters."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from core.errors import DubanError, NotFound
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.media_tips import attachments
from plugins.media_tips.forms import CorrectLinkForm, HandOverForm, IntakeForm, MoveForm, ReplyForm
from plugins.media_tips.models import (
    CATEGORY_LABELS,
    MESSAGE_LABELS,
    SOURCE_LABELS,
    STATE_LABELS,
    LinkStatus,
    MessageKind,
    Tip,
    TipAttachment,
    TipCluster,
    TipLink,
    TipSource,
    TipState,
)
from plugins.media_tips.triage import (
    TRANSITIONS,
    NewTip,
    add_message,
    correct_link,
    create_tip,
    decide_link,
    detach_from_cluster,
    hand_over,
    home_unit_for,
    move,
    relink,
)
from plugins.media_tips.views import bp
from plugins.media_tips.views.common import attach, check_files, discard, region_choices, today
from web.plugin_api import ActionForm, capability_required, render_message, request_scope, request_session

PAGE = 200


@bp.get("/")
@capability_required("tips.view")
def index() -> str:
    scope = request_scope()
    stmt = scope.select(Tip)
    state, source = request.args.get("state", ""), request.args.get("source", "")
    query = request.args.get("q", "").strip()
    if state in TipState.__members__:
        stmt = stmt.where(Tip.state == TipState(state))
    if source in TipSource.__members__:
        stmt = stmt.where(Tip.source == TipSource(source))
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(Tip.text.like(like), Tip.title.like(like), Tip.ref.like(like)))
    tips = list(request_session().scalars(stmt.order_by(Tip.received_on.desc(), Tip.id.desc()).limit(PAGE)))
    return render_template("media_tips/index.html", tips=tips, state=state, source=source, query=query,
                           state_labels=STATE_LABELS, source_labels=SOURCE_LABELS,
                           can_triage=scope.can("tips.triage"))


@bp.route("/intake", methods=["GET", "POST"])
@capability_required("tips.triage")
def intake() -> Response | str | tuple[str, int]:
    """Staff enter a tip from the media, the hotline or a letter."""
    form = IntakeForm(region_choices())
    if form.validate_on_submit():
        session, scope = request_session(), request_scope()
        stored: list[str] = []
        try:
            unit = None
            if form.unit_code.data:
                unit = session.scalar(select(Unit).where(Unit.code == form.unit_code.data.strip()))
                if unit is None:
                    raise NotFound("No unit has this code.")
            writable = set(session.scalars(scope.unit_ids("write")))
            home = home_unit_for(session, form.region.data or "")
            if not scope.is_admin and home.id not in writable:
                home = current_user.unit
            checked = check_files(form.files.data)
            source = TipSource(form.source.data)
            tip, code = create_tip(session, NewTip(
                source=source, title=form.title.data or "", text=form.text.data, url=form.url.data or "",
                region_code=form.region.data or "", unit_id=unit.id if unit else None,
                category=form.category.data or "", contact=form.contact.data or "",
                received_on=form.received_on.data), actor=current_user.username, today=today(),
                home_unit=home, with_receipt=source in (TipSource.public, TipSource.hotline))
            attach(tip, checked, stored)
            session.commit()
        except DubanError as error:
            session.rollback()
            discard(stored)
            flash(render_message(error.message), "error")
            return render_template("media_tips/intake.html", form=form), 400
        except BaseException:
            session.rollback()
            discard(stored)
            raise
        if code:
            flash(gettext("Tip %(ref)s saved. Give the tipster this receipt code; it is shown only once: %(code)s",
                          ref=tip.ref, code=code), "info")
        else:
            flash(gettext("Tip %(ref)s saved.", ref=tip.ref), "info")
        return redirect(url_for("media_tips.show", tip_id=tip.id))
    return render_template("media_tips/intake.html", form=form)


def _handles(tip: Tip) -> bool:
    """True when the user is staff handling this tip (may act on it and see the contact)."""
    scope = request_scope()
    return scope.can("tips.triage") and bool(scope.filter_ids(Tip, [tip.id], "write"))


def _handled_tip(tip_id: int) -> Tip:
    scope = request_scope()
    tip = scope.get(Tip, tip_id)
    if not _handles(tip):
        abort(403)
    return tip


@bp.get("/<int:tip_id>")
@capability_required("tips.view")
def show(tip_id: int) -> str:
    scope, session = request_scope(), request_session()
    tip = scope.get(Tip, tip_id)
    handles = _handles(tip)
    matter_ids = {link.matter_id for link in tip.links if link.matter_id}
    if tip.matter_id is not None:
        matter_ids.add(tip.matter_id)
    visible_matters = scope.filter_ids(Matter, matter_ids)
    matters = {m.id: m for m in session.scalars(select(Matter).where(Matter.id.in_(visible_matters)))}
    cluster_tips: list[Tip] = []
    if tip.cluster_id:
        cluster_tips = list(session.scalars(scope.select(Tip).where(Tip.cluster_id == tip.cluster_id, Tip.id != tip.id)
                                            .order_by(Tip.received_on.desc()).limit(20)))
    hand = None
    if handles and tip.state in (TipState.new, TipState.screened):
        hand = HandOverForm()
        hand.unit.choices = _unit_choices()
        if tip.unit_id and request.method == "GET":
            hand.unit.data = tip.unit_id
    moves = [state for state in TRANSITIONS[tip.state] if state != TipState.handed_over] if handles else []
    return render_template(
        "media_tips/show.html", tip=tip, handles=handles, matters=matters, cluster_tips=cluster_tips,
        matter_links=[link for link in tip.links if link.target == "matter"],
        unit_links=[link for link in tip.links if link.target == "unit"],
        moves=moves, move_form=MoveForm(formdata=None), hand=hand,
        reply=ReplyForm(formdata=None) if handles else None,
        correct=CorrectLinkForm(formdata=None) if handles else None,
        state_labels=STATE_LABELS, source_labels=SOURCE_LABELS, category_labels=CATEGORY_LABELS,
        message_labels=MESSAGE_LABELS, link_status=LinkStatus)


def _unit_choices() -> list[tuple[int, str]]:
    scope = request_scope()
    stmt = select(Unit).where(Unit.active.is_(True)).order_by(Unit.path)
    if not scope.is_admin:
        stmt = stmt.where(Unit.id.in_(scope.unit_ids("write")))
    return [(unit.id, f"{unit.name} ({unit.code})") for unit in request_session().scalars(stmt)]


def _done(tip: Tip, text: str) -> Response:
    request_session().commit()
    flash(text, "info")
    return redirect(url_for("media_tips.show", tip_id=tip.id))


def _failed(tip: Tip, error: DubanError) -> Response:
    request_session().rollback()
    flash(render_message(error.message), "error")
    return redirect(url_for("media_tips.show", tip_id=tip.id))


@bp.post("/<int:tip_id>/move")
@capability_required("tips.triage")
def move_tip(tip_id: int) -> Response:
    tip = _handled_tip(tip_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.to.data not in TipState.__members__:
        abort(400)
    target = TipState(form.to.data)
    if target == TipState.handed_over:
        abort(400)
    try:
        move(request_session(), tip, target, actor=current_user.username)
    except DubanError as error:
        return _failed(tip, error)
    return _done(tip, gettext("The tip is now: %(state)s.", state=gettext(STATE_LABELS[target])))


@bp.post("/<int:tip_id>/handover")
@capability_required("tips.triage")
def handover(tip_id: int) -> Response:
    tip = _handled_tip(tip_id)
    form = HandOverForm()
    form.unit.choices = _unit_choices()
    if not form.validate_on_submit():
        flash(gettext("Choose a unit you supervise and a date to answer by."), "error")
        return redirect(url_for("media_tips.show", tip_id=tip.id))
    unit = request_session().get(Unit, form.unit.data)
    if unit is None:
        abort(404)
    try:
        hand_over(request_session(), tip, unit, due=form.due.data, user=current_user, today=today(),
                  link=url_for("media_tips.answer_tip", tip_id=tip.id))
    except DubanError as error:
        return _failed(tip, error)
    return _done(tip, gettext("Handed over to %(unit)s; answer due by %(due)s.", unit=unit.name,
                              due=form.due.data.isoformat()))


@bp.post("/<int:tip_id>/reply")
@capability_required("tips.triage")
def reply(tip_id: int) -> Response:
    tip = _handled_tip(tip_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(gettext("Please write something."), "error")
        return redirect(url_for("media_tips.show", tip_id=tip.id))
    try:
        add_message(request_session(), tip, MessageKind(form.kind.data), form.body.data, user=current_user,
                    unit_id=current_user.unit_id)
    except DubanError as error:
        return _failed(tip, error)
    return _done(tip, gettext("Your message has been added."))


def _link(tip: Tip, link_id: int) -> TipLink:
    link = next((link for link in tip.links if link.id == link_id), None)
    if link is None:
        abort(404)
    return link


@bp.post("/<int:tip_id>/links/<int:link_id>/confirm")
@capability_required("tips.triage")
def confirm_link(tip_id: int, link_id: int) -> Response:
    return _decide(tip_id, link_id, LinkStatus.confirmed)


@bp.post("/<int:tip_id>/links/<int:link_id>/reject")
@capability_required("tips.triage")
def reject_link(tip_id: int, link_id: int) -> Response:
    return _decide(tip_id, link_id, LinkStatus.rejected)


def _decide(tip_id: int, link_id: int, status: LinkStatus) -> Response:
    tip = _handled_tip(tip_id)
    if not _csrf_ok():
        abort(400)
    decide_link(request_session(), tip, _link(tip, link_id), status, current_user)
    return _done(tip, gettext("Link confirmed.") if status == LinkStatus.confirmed else gettext("Link rejected."))


def _csrf_ok() -> bool:
    return ActionForm().validate_on_submit()


@bp.post("/<int:tip_id>/links/correct")
@capability_required("tips.triage")
def correct(tip_id: int) -> Response:
    """Staff name the right matter or unit; their choice is kept and teaches the linker."""
    tip = _handled_tip(tip_id)
    form = CorrectLinkForm()
    if not form.validate_on_submit():
        abort(400)
    scope, session = request_scope(), request_session()
    matter = unit = None
    if form.matter_code.data:
        matter = session.scalar(scope.select(Matter).where(Matter.code == form.matter_code.data.strip()))
        if matter is None:
            flash(gettext("No matter you can see has this code."), "error")
            return redirect(url_for("media_tips.show", tip_id=tip.id))
    if form.unit_code.data:
        unit = session.scalar(scope.select(Unit).where(Unit.code == form.unit_code.data.strip()))
        if unit is None:
            flash(gettext("No unit you can see has this code."), "error")
            return redirect(url_for("media_tips.show", tip_id=tip.id))
    if matter is None and unit is None:
        flash(gettext("Give a matter code or a unit code."), "error")
        return redirect(url_for("media_tips.show", tip_id=tip.id))
    if matter is not None:
        correct_link(session, tip, user=current_user, matter=matter)
    if unit is not None:
        correct_link(session, tip, user=current_user, unit=unit)
    return _done(tip, gettext("The correction has been kept."))


@bp.post("/<int:tip_id>/relink")
@capability_required("tips.triage")
def relink_tip(tip_id: int) -> Response:
    tip = _handled_tip(tip_id)
    if not _csrf_ok():
        abort(400)
    relink(request_session(), tip)
    return _done(tip, gettext("The links have been suggested again; your decisions were kept."))


@bp.post("/<int:tip_id>/uncluster")
@capability_required("tips.triage")
def uncluster(tip_id: int) -> Response:
    tip = _handled_tip(tip_id)
    if not _csrf_ok():
        abort(400)
    detach_from_cluster(request_session(), tip)
    return _done(tip, gettext("The tip was taken out of its cluster."))


@bp.get("/clusters")
@capability_required("tips.view")
def clusters() -> str:
    """Clusters of similar tips the user can see, largest first."""
    scope, session = request_scope(), request_session()
    visible = scope.select(Tip).where(Tip.cluster_id.is_not(None)).subquery()
    rows = session.execute(
        select(TipCluster, func.count(visible.c.id), func.max(visible.c.received_on))
        .join(visible, visible.c.cluster_id == TipCluster.id)
        .group_by(TipCluster.id).order_by(TipCluster.size.desc(), TipCluster.id.desc()).limit(PAGE)).all()
    return render_template("media_tips/clusters.html", rows=rows)


@bp.get("/clusters/<int:cluster_id>")
@capability_required("tips.view")
def cluster(cluster_id: int) -> str:
    scope, session = request_scope(), request_session()
    tips = list(session.scalars(scope.select(Tip).where(Tip.cluster_id == cluster_id)
                                .order_by(Tip.received_on.desc(), Tip.id.desc())))
    if not tips:
        abort(404)
    return render_template("media_tips/cluster.html", cluster=tips[0].cluster, tips=tips,
                           state_labels=STATE_LABELS, source_labels=SOURCE_LABELS)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    """An attachment, for those who may see its tip; photos inline, other files as downloads."""
    item = request_scope().get(TipAttachment, attachment_id)
    try:
        path = attachments.path_of(current_app.instance_path, item.stored_name)
    except ValueError:
        abort(404)
    response = send_file(path, mimetype=item.content_type, as_attachment=not item.is_image,
                         download_name=item.original_name, max_age=0)
    # Served bytes never run as a page of this site, whatever they contain.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
