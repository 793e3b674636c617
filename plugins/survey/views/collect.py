"""OpenRosa endpoints for ODK Collect and Enketo.

``/formList`` and ``/submission`` serve published open-link surveys to anyone, as the web form
does. Field teams of invitation-only surveys use the survey's own address,
``/collect/<token>/formList`` and ``/collect/<token>/submission``, whose token staff read on
the survey's page. Both are exempt from CSRF (ODK Collect has no session) and rate-limited.
"""
from __future__ import annotations

from typing import Any

from flask import Response, abort, request, url_for
from sqlalchemy import select

from core.errors import DubanError
from core.i18n import N_
from plugins.survey.definition import language_key, walk
from plugins.survey.engine import Moment, check
from plugins.survey.models import Access, Survey, SurveyStatus
from plugins.survey.openrosa import (
    MAX_SUBMISSION_BYTES,
    SubmissionRejected,
    form_id,
    form_list,
    parse_instance,
    read_instance,
    response_xml,
    submission_key,
)
from plugins.survey.submission import Submission, store
from plugins.survey.views import bp
from plugins.survey.views.common import local_now, locale, published_forms, shown
from web.plugin_api import (
    csrf_exempt,
    database,
    rate_limit,
    render_message,
    request_session,
    speaks_accept_language,
)

HEADERS = {"X-OpenRosa-Version": "1.0", "X-OpenRosa-Accept-Content-Length": str(MAX_SUBMISSION_BYTES)}


def _xml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/xml", headers=HEADERS)


def _published(token: str | None) -> list[Survey]:
    stmt = select(Survey).where(Survey.status == SurveyStatus.published)
    stmt = stmt.where(Survey.collect_token == token) if token else stmt.where(Survey.access == Access.open)
    return list(request_session().scalars(stmt.order_by(Survey.id)))


@bp.get("/formList")
@bp.get("/collect/<token>/formList", endpoint="collect_form_list")
@rate_limit()
def form_list_view(token: str | None = None) -> Response:
    surveys = _published(token)
    if token and not surveys:
        abort(404)
    return _xml(form_list(surveys, lambda s: url_for("survey.xform", slug=s.slug, _external=True)))


@bp.get("/s/<slug>/form.xml")
@rate_limit()
def xform(slug: str) -> Response:
    survey = request_session().scalar(select(Survey).where(Survey.slug == slug,
                                                           Survey.status == SurveyStatus.published))
    if survey is None:
        abort(404)
    return _xml(survey.xform)


@bp.route("/submission", methods=["HEAD", "POST"])
@bp.route("/collect/<token>/submission", methods=["HEAD", "POST"], endpoint="collect_submission")
@csrf_exempt
@speaks_accept_language  # ODK Collect and Enketo send the phone's language
@rate_limit(methods=["POST"])
def submission(token: str | None = None) -> Response:
    """Take one OpenRosa submission: 201 when stored (or stored before), 4xx with a message otherwise."""
    if request.method == "HEAD":
        return Response(status=204, headers=HEADERS)
    if (request.content_length or 0) > MAX_SUBMISSION_BYTES + 64 * 1024:
        return _xml(response_xml(render_message("The submission is too large.")), 413)
    upload = request.files.get("xml_submission_file")
    data = upload.stream.read(MAX_SUBMISSION_BYTES + 1) if upload else request.get_data(cache=False)
    session = request_session()
    try:
        survey, instance_id, answers = _instance(data, token)
        form = published_forms().of(survey)  # store() confirms its revision as it writes
        now = local_now()
        language = language_key(form.definition, locale())
        checked = check(form.definition, answers, Moment(now, now, form.anonymous), language, form.walks)
        if not checked.ok:
            problems = "; ".join(f"{path}: {shown(problem)}" for path, problem in checked.errors.items())
            return _xml(response_xml(problems), 400)
        session.commit()  # the reads end here; the answers are stored in a transaction of their own
        store(database(), form, Submission(key=submission_key(instance_id), answers=checked.answers,
                                              day=now.date(), at=now, channel="openrosa", language=locale(),
                                              field_team=token is not None))
    except DubanError as error:
        session.rollback()
        return _xml(response_xml(render_message(error.message)), error.status)
    return _xml(response_xml(render_message("Thank you. Your answers have been received.")), 201)


def _instance(data: bytes, token: str | None) -> tuple[Survey, str, dict[str, Any]]:
    if len(data) > MAX_SUBMISSION_BYTES:
        raise SubmissionRejected(N_("The submission is too large."))
    surveys = {form_id(survey): survey for survey in _published(token)}
    survey = surveys.get(parse_instance(data).attrib.get("id", ""))
    if survey is None:
        raise SubmissionRejected(N_("The submission is for a form this server does not offer."))
    repeats = frozenset(node["name"] for node in walk(survey.definition["nodes"]) if node["kind"] == "repeat")
    _form, instance_id, answers = read_instance(data, repeats)
    if not instance_id:
        raise SubmissionRejected(N_("The submission has no instanceID."))
    return survey, instance_id, answers
