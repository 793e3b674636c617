"""Staff pages: surveys of one's unit, upload, settings, links, publishing, invitations,
quotas, indicators, results and exports. Every lookup goes through the scope."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from core.apitypes import RowsRejected
from core.errors import DubanError, NotFound
from core.i18n import N_
from core.importing import DEFAULT_LIMITS
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.survey import export, service
from plugins.survey.charts import bar_chart
from plugins.survey.definition import language_key, pick, unsupported
from plugins.survey.forms import IndicatorForm, InviteForm, LinkForm, QuotaForm, SettingsForm, UploadForm
from plugins.survey.models import (
    ACCESS_LABELS,
    STATUS_LABELS,
    Access,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
)
from plugins.survey.results import responses, tally, unit_results
from plugins.survey.signals import refresh_survey
from plugins.survey.views import bp
from plugins.survey.views.common import locale, today
from web.plugin_api import ActionForm, capability_required, render_message, request_scope, request_session

INDICATOR_LABELS = {"satisfaction": N_("Satisfaction"), "awareness": N_("Awareness"),
                    "not_delivered": N_("Benefit not received")}


def _read(file_storage: FileStorage) -> bytes:
    return file_storage.stream.read(DEFAULT_LIMITS.max_bytes + 1)


@bp.get("/surveys/")
@capability_required("survey.view")
def index() -> str:
    """Surveys the user's unit (and its subtree) runs."""
    session = request_session()
    surveys = list(session.scalars(request_scope().select(Survey).order_by(Survey.id.desc())))
    counts = dict(session.execute(select(SurveyResponse.survey_id, func.count()).where(
        SurveyResponse.survey_id.in_([s.id for s in surveys])).group_by(SurveyResponse.survey_id)).all())
    return render_template("survey/index.html", surveys=surveys, counts=counts, status_labels=STATUS_LABELS,
                           can_manage=request_scope().can("survey.manage"))


@bp.route("/surveys/new", methods=["GET", "POST"])
@capability_required("survey.manage")
def upload() -> Response | str | tuple[str, int]:
    """Upload an XLSForm; pyxform's refusal is shown in its own words."""
    form = UploadForm()
    if form.validate_on_submit():
        scope = request_scope()
        session = request_session()
        if scope.user is None or scope.user.unit_id is None:
            form.file.errors = [gettext("Your account belongs to no unit, so it cannot own a survey.")]
            return render_template("survey/upload.html", form=form), 400
        try:
            survey = service.create_survey(session, _read(form.file.data), owner_unit_id=scope.user.unit_id,
                                           source_name=form.file.data.filename or "", publish=form.publish.data)
            session.commit()
        except DubanError as error:
            session.rollback()
            form.file.errors = [render_message(error.message)]
            return render_template("survey/upload.html", form=form), 400
        flash(gettext("The survey was imported."), "success")
        return redirect(url_for("survey.show", survey_id=survey.id))
    return render_template("survey/upload.html", form=form)


def _settings_form(survey: Survey, formdata: object = None) -> SettingsForm:
    form = SettingsForm(formdata=formdata, obj=survey if formdata is None else None,
                        data=None if formdata is not None else {"access": survey.access.value})
    form.access.choices = [(access.value, gettext(label)) for access, label in ACCESS_LABELS.items()]
    form.unit_field.choices = [("", "—")] + _question_choices(survey)
    return form


def _question_labels(survey: Survey) -> dict[str, str]:
    """Each question's label in the reader's language (its name when it has none), by name."""
    language = language_key(survey.definition, locale())
    return {node["name"]: pick(node["label"], language) or node["name"] for node in _questions(survey)}


def _option_labels(survey: Survey) -> dict[str, dict[str, str]]:
    """Each choice question's options' labels in the reader's language, by question and option name."""
    language = language_key(survey.definition, locale())
    return {node["name"]: {choice["name"]: pick(choice["label"], language) or choice["name"]
                           for choice in node.get("choices", [])}
            for node in _questions(survey) if node.get("type") in ("select_one", "select_multiple")}


def _question_choices(survey: Survey, types: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """A drop-down's questions: the label to read, the XLSForm name after it; the name is the value."""
    labels = _question_labels(survey)
    return [(node["name"], labels[node["name"]] if labels[node["name"]] == node["name"] else
             gettext("%(label)s (%(name)s)", label=labels[node["name"]], name=node["name"]))
            for node in _questions(survey) if types is None or node.get("type") in types]


@bp.get("/surveys/<int:survey_id>")
@capability_required("survey.view")
def show(survey_id: int) -> str:
    """A survey: its settings, links, invitations, quotas and indicators."""
    survey = request_scope().get(Survey, survey_id)
    return _show(survey)


def _show(survey: Survey, **forms: Any) -> str:
    session = request_session()
    choice_fields = _question_choices(survey, ("select_one", "select_multiple"))
    quota = forms.get("quota_form") or QuotaForm(formdata=None)
    quota.field.choices = choice_fields
    indicator = forms.get("indicator_form") or IndicatorForm(formdata=None)
    indicator.field.choices = choice_fields
    indicator.kind.choices = [(key, gettext(label)) for key, label in INDICATOR_LABELS.items()]
    invited = session.scalar(select(func.count()).where(SurveyInvitation.survey_id == survey.id)) or 0
    answered = session.scalar(select(func.count()).where(SurveyInvitation.survey_id == survey.id,
                                                         SurveyInvitation.responded_on.is_not(None))) or 0
    total = session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0
    return render_template(
        "survey/show.html", survey=survey, settings=forms.get("settings_form") or _settings_form(survey),
        matter_form=forms.get("matter_form") or LinkForm(formdata=None, prefix="matter"),
        unit_form=forms.get("unit_form") or LinkForm(formdata=None, prefix="unit"),
        invite_form=forms.get("invite_form") or InviteForm(formdata=None),
        invite_problems=forms.get("invite_problems") or [], quota_form=quota,
        indicator_form=indicator, action=ActionForm(), status_labels=STATUS_LABELS, access_labels=ACCESS_LABELS,
        indicator_labels=INDICATOR_LABELS, question_labels=_question_labels(survey),
        option_labels=_option_labels(survey), invited=invited, answered=answered, total=total,
        blocked=unsupported(survey.definition), can_manage=request_scope().can("survey.manage"),
        public_url=url_for("survey.respond", slug=survey.slug, _external=True),
        collect_url=url_for("survey.collect_form_list", token=survey.collect_token, _external=True).rsplit("/", 1)[0])


def _questions(survey: Survey) -> list[dict[str, Any]]:
    from plugins.survey.definition import walk

    return [node for node in walk(survey.definition["nodes"]) if node["kind"] == "question"]


def _managed(survey_id: int) -> Survey:
    return request_scope().get(Survey, survey_id, "write")


def _done(survey: Survey, text: str) -> Response:
    request_session().commit()
    flash(text, "success")
    return redirect(url_for("survey.show", survey_id=survey.id))


@bp.post("/surveys/<int:survey_id>/settings")
@capability_required("survey.manage")
def settings(survey_id: int) -> Response | tuple[str, int]:
    survey = _managed(survey_id)
    form = _settings_form(survey, request.form)
    if form.validate_on_submit():
        try:
            service.update_settings(survey, title=form.title.data, access=Access(form.access.data),
                                    opens_on=form.opens_on.data, closes_on=form.closes_on.data,
                                    unit_field=form.unit_field.data or "")
            return _done(survey, gettext("Saved."))
        except DubanError as error:
            request_session().rollback()
            form.title.errors = [render_message(error.message)]
    return _show(survey, settings_form=form), 400


@bp.post("/surveys/<int:survey_id>/status/<status>")
@capability_required("survey.manage")
def change_status(survey_id: int, status: str) -> Response:
    """Publish, close or reopen."""
    survey = _managed(survey_id)
    if not ActionForm().validate_on_submit() or status not in {s.value for s in SurveyStatus}:
        raise NotFound("Not found.")
    service.set_status(survey, SurveyStatus(status))
    return _done(survey, gettext("Saved."))


@bp.post("/surveys/<int:survey_id>/matters")
@capability_required("survey.manage")
def link_matter(survey_id: int) -> Response | tuple[str, int]:
    survey = _managed(survey_id)
    form = LinkForm(prefix="matter")
    if form.validate_on_submit():
        code = form.code.data.strip()
        matter = request_session().scalar(request_scope().select(Matter).where(Matter.code == code))
        if matter is not None:
            service.link_matter(request_session(), survey, matter)
            return _done(survey, gettext("Linked."))
        form.code.errors = [gettext("No matter you can see has this code.")]
    return _show(survey, matter_form=form), 400


@bp.post("/surveys/<int:survey_id>/units")
@capability_required("survey.manage")
def link_unit(survey_id: int) -> Response | tuple[str, int]:
    survey = _managed(survey_id)
    form = LinkForm(prefix="unit")
    if form.validate_on_submit():
        unit = request_session().scalar(request_scope().select(Unit).where(Unit.code == form.code.data.strip()))
        if unit is not None:
            service.link_unit(request_session(), survey, unit)
            return _done(survey, gettext("Linked."))
        form.code.errors = [gettext("No unit you can see has this code.")]
    return _show(survey, unit_form=form), 400


@bp.post("/surveys/<int:survey_id>/invitations")
@capability_required("survey.manage")
def invite(survey_id: int) -> Response | tuple[str, int]:
    """Create invitations; the links are handed back once, as a CSV download."""
    survey = _managed(survey_id)
    form = InviteForm()
    if form.validate_on_submit():
        session = request_session()
        try:
            made = service.invite(session, survey, _read(form.file.data), form.file.data.filename or "", today(),
                                  secret=current_app.config["SECRET_KEY"])
            session.commit()
        except RowsRejected as error:
            session.rollback()
            form.file.errors = [render_message(error.message)]
            return _show(survey, invite_form=form, invite_problems=error.rows), 400
        except DubanError as error:
            session.rollback()
            form.file.errors = [render_message(error.message)]
            return _show(survey, invite_form=form), 400
        body = service.links_csv(made, url_for("survey.respond", slug=survey.slug, _external=True))
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=invitations-{survey.slug}.csv"})
    return _show(survey, invite_form=form), 400


@bp.post("/surveys/<int:survey_id>/quotas")
@capability_required("survey.manage")
def quota(survey_id: int) -> Response | tuple[str, int]:
    survey = _managed(survey_id)
    form = QuotaForm()
    form.field.choices = [(n["name"], n["name"]) for n in _questions(survey)]
    if form.validate_on_submit():
        try:
            service.set_quota(survey, form.field.data, form.value.data.strip(), form.limit.data)
            return _done(survey, gettext("Saved."))
        except DubanError as error:
            request_session().rollback()
            form.value.errors = [render_message(error.message)]
    return _show(survey, quota_form=form), 400


@bp.post("/surveys/<int:survey_id>/indicators")
@capability_required("survey.manage")
def indicator(survey_id: int) -> Response | tuple[str, int]:
    survey = _managed(survey_id)
    form = IndicatorForm()
    form.field.choices = [(n["name"], n["name"]) for n in _questions(survey)]
    form.kind.choices = [(key, key) for key in INDICATOR_LABELS]
    if form.validate_on_submit():
        try:
            service.set_indicator(survey, form.kind.data, form.field.data, form.values.data.split(),
                                  float(form.target.data))
            refresh_survey(request_session(), survey, today())
            return _done(survey, gettext("Saved."))
        except DubanError as error:
            request_session().rollback()
            form.values.errors = [render_message(error.message)]
    return _show(survey, indicator_form=form), 400


@bp.get("/surveys/<int:survey_id>/results")
@capability_required("survey.view")
def results(survey_id: int) -> str:
    """Counts, shares, sample size and 95% Wilson intervals, overall and per unit, with charts."""
    survey = request_scope().get(Survey, survey_id)
    session = request_session()
    rows = responses(session, survey)
    language = language_key(survey.definition, locale())
    overall = tally(survey, [answers for _unit, answers in rows], language)
    charts = {result.name: bar_chart(result, result.label) for result in overall}
    per_unit = unit_results(request_scope(), survey, rows, language)
    return render_template("survey/results.html", survey=survey, overall=overall, charts=charts,
                           per_unit=per_unit, total=len(rows))


@bp.get("/surveys/<int:survey_id>/export.<fmt>")
@capability_required("survey.manage")
def export_responses(survey_id: int, fmt: str) -> Response:
    """The responses with the options' labels (in the reader's language) beside their names."""
    survey = request_scope().get(Survey, survey_id)
    labels = language_key(survey.definition, locale())
    if fmt == "csv":
        return Response(export.to_csv(request_session(), survey, labels), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=survey-{survey.slug}.csv"})
    if fmt == "xlsx":
        return Response(export.to_xlsx(request_session(), survey, labels),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=survey-{survey.slug}.xlsx"})
    raise NotFound("Not found.")
