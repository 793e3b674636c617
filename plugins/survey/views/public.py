"""The respondent's pages: the form at ``/s/<slug>``, answered without an account.

Nothing about the respondent is stored beyond their answers: no IP address, and for
anonymous (open-link) surveys no time finer than the day.
"""
from __future__ import annotations

from typing import Any

from flask import abort, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.errors import DubanError
from core.i18n import LOCALES, N_
from plugins.survey.definition import language_key, unsupported
from plugins.survey.engine import Checked, Moment, check
from plugins.survey.models import Access, Survey
from plugins.survey.render import answers_from_form, view_nodes
from plugins.survey.submission import FormChanged, Submission, check_open, find_invitation, store
from plugins.survey.tokens import form_name, submission_key
from plugins.survey.views import bp
from plugins.survey.views.common import local_now, locale, published_forms, shown, today
from web.plugin_api import (
    count_request,
    counts_itself,
    csrf_exempt,
    database,
    issue_form_token,
    public_rate_limit,
    read_form_token,
    render_message,
    request_session,
)

# A web submission of even a long form is a few kilobytes; anything far larger is refused unread.
MAX_FORM_BYTES = 256 * 1024


def _survey(slug: str) -> Survey:
    survey = request_session().scalar(select(Survey).where(Survey.slug == slug))
    if survey is None:
        abort(404)
    return survey


def _refused(survey: Survey | None, error: DubanError) -> tuple[str, int]:
    return render_template("survey/public_refused.html", survey=survey,
                           reason=render_message(error.message)), error.status


@bp.get("/s/<slug>")
def respond(slug: str) -> Response | tuple[str, int]:
    """Show the form to a respondent; ``?lang=`` keeps their choice of language and shows it again.

    Respondents get no session cookie until they choose a language: the page's language
    links come here instead of posting to the site's language switch, which needs a CSRF
    token kept in the session.
    """
    survey = _survey(slug)
    invitation = request.args.get("t", "")
    if request.args.get("lang") in LOCALES:
        session["lang"] = request.args["lang"]
        return redirect(url_for("survey.respond", slug=slug, t=invitation or None), code=303)
    try:
        check_open(survey, today())
        if survey.access == Access.invitation:
            find_invitation(request_session().connection(), survey.id, invitation)
    except DubanError as error:
        return _refused(survey, error)
    # The same rendering comes back on Back (cached, not fetched again), so sending it again stores nothing.
    response = make_response(_form_page(survey, issue_form_token(form_name(survey.id), local_now()), invitation,
                                        {}, {}))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/s/<slug>")
# The page posts here, not to its own address: a post to an address drops the browser's cached copy
# of that page, and Back would then fetch a new rendering with a new token instead of the one sent.
@bp.post("/s/<slug>/answers", endpoint="answers")
@csrf_exempt  # the form token is bound to the browser's cookie instead (see web.public_forms)
@counts_itself
def submit(slug: str) -> Response | tuple[str, int] | str:
    """Check the answers; store them once; show what is wrong in the respondent's language.

    Counted against ``PUBLIC_RATE_LIMIT`` per address with one hit in the limiter's storage.
    """
    count_request(public_rate_limit(), "survey-answers")
    if (request.content_length or 0) > MAX_FORM_BYTES:
        return render_template("survey/public_refused.html", survey=None,
                               reason=render_message(N_("The answers sent are too large."))), 413
    outcome = _take_answers(slug, request.form.get("invitation", ""))
    if isinstance(outcome, DubanError):
        return _refused(_survey(slug), outcome)
    if outcome is not None:
        raw, checked = outcome
        errors = {path: shown(problem) for path, problem in checked.errors.items()}
        return _form_page(_survey(slug), request.form.get("form_token", ""), request.form.get("invitation", ""),
                          raw, errors, checked.answers), 400
    return redirect(url_for("survey.thanks", slug=slug), code=303)


def _take_answers(slug: str, invitation: str) -> DubanError | tuple[dict[str, Any], Checked] | None:
    """Store the posted answers (None), or say why not: a refusal, or the answers with their problems.

    Every respondent sends this, so the answers are checked against the process's cached copy
    of the form, with no query, and stored in one short transaction that confirms the copy
    is still current; when it is not, they are checked again against the survey as it now is.
    The request's session is used only to read a form not yet cached, and ends its read
    before the answers are stored in a transaction of their own.
    """
    forms = published_forms()
    form = forms.cached(slug)
    changed: DubanError | None = None
    for _attempt in range(2):
        if form is None:
            session = request_session()
            form = forms.by_slug(session, slug)
            session.commit()
        if form is None:
            abort(404)
        try:
            check_open(form, today())
            token = read_form_token(form_name(form.id))
        except DubanError as error:
            return error
        raw = answers_from_form(request.form.to_dict(flat=False))
        now = local_now()
        spoken = locale()
        language = language_key(form.definition, spoken)
        checked = check(form.definition, raw, Moment(token.opened, now, form.anonymous), language, form.walks)
        if not checked.ok:
            return raw, checked
        try:
            store(database(), form, Submission(key=submission_key(token), answers=checked.answers, day=now.date(),
                                               at=now, language=spoken, invitation=invitation))
            return None
        except FormChanged as error:
            form, changed = None, error
        except DubanError as error:
            return error
    return changed


@bp.get("/s/<slug>/thanks")
def thanks(slug: str) -> str:
    """After answering: a thank-you page (reached by redirect, so a reload sends nothing again)."""
    return render_template("survey/public_thanks.html", survey=_survey(slug))


def _form_page(survey: Survey, token: str, invitation: str, raw: dict[str, Any], errors: dict[str, str],
               computed: dict[str, Any] | None = None) -> str:
    language = language_key(survey.definition, locale())
    if computed is None:
        computed = check(survey.definition, raw, Moment(local_now(), local_now(), True), language).answers
    nodes = view_nodes(survey.definition["nodes"], language, raw, computed, errors)
    return render_template("survey/public_form.html", survey=survey, nodes=nodes, token=token,
                           invitation=invitation, errors=errors, blocked=unsupported(survey.definition),
                           today=today().isoformat(), now=local_now().isoformat())
