"""Research topics (督查调研): list, open, visits, findings and recommendations."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.ledger.labels import FINDING_LABELS, TOPIC_STATUS_LABELS
from core.ledger.models import Matter
from core.ledger.queries import paginate
from core.ledger.research import (
    FindingKind,
    ResearchTopic,
    TopicStatus,
    add_finding,
    add_visit,
    create_topic,
    link_matters,
)
from core.org.models import Unit
from web import db
from web.actions import USER_ERRORS, done, int_arg, refused
from web.auth import capability_required
from web.views.ledger import bp
from web.views.ledger.forms import FindingForm, TopicForm, VisitForm

MAX_CHOICES = 500


def _matter_choices() -> list[tuple[int, str]]:
    rows = db.session().execute(select(Matter.id, Matter.code, Matter.title).where(db.scope().clause(Matter))
                                .order_by(Matter.code).limit(MAX_CHOICES))
    return [(row.id, f"{row.code} {row.title}") for row in rows]


def _unit_choices() -> list[tuple[int, str]]:
    rows = db.session().execute(select(Unit.id, Unit.code, Unit.name).where(db.scope().clause(Unit))
                                .order_by(Unit.path).limit(MAX_CHOICES))
    return [(row.id, f"{row.code} {row.name}") for row in rows]


@bp.get("/research")
@capability_required("research.view")
def research() -> str:
    scope = db.scope()
    page = paginate(scope, scope.select(ResearchTopic).order_by(ResearchTopic.created_at.desc()), int_arg("page", 1))
    return render_template("ledger/research.html", page=page, status_labels=TOPIC_STATUS_LABELS,
                           can_manage=scope.can("research.manage"))


@bp.route("/research/new", methods=["GET", "POST"])
@capability_required("research.manage")
def new_topic() -> Response | str:
    form = TopicForm(matters=_matter_choices())
    if form.validate_on_submit():
        try:
            topic = create_topic(db.scope(), title=form.title.data, description=form.description.data or "",
                                 matter_ids=form.matters.data or [])
        except USER_ERRORS as error:
            return refused(error, url_for("ledger.new_topic"))
        return done(gettext("The research topic has been opened."), url_for("ledger.topic", topic_id=topic.id))
    return render_template("ledger/topic_form.html", form=form)


@bp.get("/research/<int:topic_id>")
@capability_required("research.view")
def topic(topic_id: int) -> str:
    scope = db.scope()
    topic = scope.get(ResearchTopic, topic_id)
    writable = bool(scope.filter_ids(ResearchTopic, [topic.id], "write"))
    matters = _matter_choices() if writable else []
    visit_form = VisitForm(formdata=None)
    visit_form.unit.choices = _unit_choices() if writable else []
    return render_template(
        "ledger/topic.html", topic=topic, writable=writable, status_labels=TOPIC_STATUS_LABELS,
        finding_labels=FINDING_LABELS,
        topic_form=TopicForm(formdata=None, matters=matters, data={
            "title": topic.title, "description": topic.description, "status": topic.status.value,
            "matters": [m.id for m in topic.matters]}),
        visit_form=visit_form, finding_form=FindingForm(formdata=None, matters=matters))


@bp.post("/research/<int:topic_id>")
@capability_required("research.manage")
def update_topic(topic_id: int) -> Response:
    topic = db.scope().get(ResearchTopic, topic_id, "write")
    form = TopicForm(matters=_matter_choices())
    back = url_for("ledger.topic", topic_id=topic.id)
    if not form.validate_on_submit():
        flash(gettext("Give the topic a title."), "error")
        return redirect(back)
    topic.title, topic.description = form.title.data.strip(), (form.description.data or "").strip()
    topic.status = TopicStatus(form.status.data)
    link_matters(db.scope(), topic, form.matters.data or [])
    return done(gettext("The research topic has been saved."), back)


@bp.post("/research/<int:topic_id>/visits")
@capability_required("research.manage")
def visit(topic_id: int) -> Response:
    topic = db.scope().get(ResearchTopic, topic_id, "write")
    form = VisitForm()
    form.unit.choices = _unit_choices()
    back = url_for("ledger.topic", topic_id=topic.id)
    if not form.validate_on_submit():
        flash(gettext("Choose the unit visited and the date."), "error")
        return redirect(back)
    unit = db.scope().get(Unit, form.unit.data)
    add_visit(db.session(), topic, unit=unit, visited_on=form.visited_on.data,
              participants=form.participants.data or "", notes=form.notes.data or "")
    return done(gettext("The visit has been recorded."), back)


@bp.post("/research/<int:topic_id>/findings")
@capability_required("research.manage")
def finding(topic_id: int) -> Response:
    topic = db.scope().get(ResearchTopic, topic_id, "write")
    form = FindingForm(matters=_matter_choices())
    back = url_for("ledger.topic", topic_id=topic.id)
    if not form.validate_on_submit():
        flash(gettext("Write the finding or recommendation."), "error")
        return redirect(back)
    matter = db.scope().get(Matter, form.matter.data) if form.matter.data else None
    try:
        add_finding(db.session(), topic, kind=FindingKind(form.kind.data), text=form.text.data, matter=matter)
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("Recorded."), back)
