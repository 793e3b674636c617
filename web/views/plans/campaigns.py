"""Special campaigns: the list, a campaign's page, its teams, its review rounds and its circulars."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from core.circulars.labels import CIRCULAR_STATE_LABELS
from core.plans.campaigns import (
    CampaignFields,
    add_team,
    campaign_circular_list,
    campaign_rounds,
    link_circular,
    plan_campaign_round,
    remove_team,
    save_campaign,
    set_campaign_state,
)
from core.plans.models import CAMPAIGN_STATE_LABELS, Campaign, CampaignState, PlanItem
from core.review.models import ROUND_STATE_LABELS
from web import db
from web.actions import USER_ERRORS, done, refused
from web.auth import capability_required
from web.forms import ActionForm
from web.views.plans import bp
from web.views.plans.forms import CampaignForm, CircularLinkForm, TeamForm
from web.views.plans.plans import (
    circular_choices,
    labels,
    matter_choices,
    people_choices,
    today,
    unit_choices,
)
from web.views.review import refresh_scores
from web.views.review.forms import PlanForm as RoundForm


def _campaign_form(formdata: bool = True, **kwargs: object) -> CampaignForm:
    extra: dict[str, object] = {} if formdata else {"formdata": None}
    return CampaignForm(matters=matter_choices(), units=unit_choices(), leads=people_choices(), **extra, **kwargs)


@bp.get("/campaigns")
@capability_required("campaigns.view")
def campaigns() -> str:
    scope = db.scope()
    listed = list(db.session().scalars(scope.select(Campaign).order_by(Campaign.start_on.desc(), Campaign.id.desc())
                                       .limit(200)))
    return render_template("plans/campaigns.html", campaigns=listed, can_manage=scope.can("campaigns.manage"),
                           campaign_labels=CAMPAIGN_STATE_LABELS)


def _fields(form: CampaignForm) -> CampaignFields:
    return CampaignFields(name=form.name.data or "", start_on=form.start_on.data, end_on=form.end_on.data,
                          matter_ids=form.matters.data or [], unit_ids=form.units.data or [],
                          leader_id=form.leader.data, description=form.description.data or "")


def _save(campaign: Campaign | None) -> Response | str:
    form = _campaign_form()
    if request.method == "GET":
        data: dict[str, object] = {"start_on": today()}
        if campaign is not None:
            data = {"name": campaign.name, "description": campaign.description, "start_on": campaign.start_on,
                    "end_on": campaign.end_on, "matters": [m.id for m in campaign.matters],
                    "units": [u.id for u in campaign.units], "leader": campaign.leader_id}
        form = _campaign_form(formdata=False, data=data)
    elif form.validate_on_submit():
        try:
            saved = save_campaign(db.scope(), campaign, _fields(form))
        except USER_ERRORS as error:
            db.session().rollback()
            form.form_errors.append(error.message.render(gettext))
        else:
            return done(gettext("The campaign has been saved."), url_for("plans.campaign", campaign_id=saved.id))
    return render_template("plans/campaign_form.html", form=form, campaign=campaign)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@capability_required("campaigns.manage")
def new_campaign() -> Response | str:
    return _save(None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@capability_required("campaigns.manage")
def edit_campaign(campaign_id: int) -> Response | str:
    return _save(db.scope().get(Campaign, campaign_id, "write"))


@bp.get("/campaigns/<int:campaign_id>")
@capability_required("campaigns.view")
def campaign(campaign_id: int) -> str:
    scope = db.scope()
    campaign = scope.get(Campaign, campaign_id)
    writable = bool(scope.filter_ids(Campaign, [campaign.id], "write"))
    can_plan = writable and scope.can("reviews.manage") and campaign.state != CampaignState.closed
    items = list(db.session().scalars(scope.select(PlanItem).where(PlanItem.campaign_id == campaign.id)))
    round_form = RoundForm(formdata=None, data={"name": gettext("%(campaign)s: round %(number)s",
                                                                campaign=campaign.name,
                                                                number=len(campaign_rounds(scope, campaign.id)) + 1)})
    return render_template(
        "plans/campaign.html", campaign=campaign, writable=writable, can_plan=can_plan, items=items,
        rounds=campaign_rounds(scope, campaign.id), circulars=campaign_circular_list(scope, campaign.id),
        campaign_labels=CAMPAIGN_STATE_LABELS, round_labels=ROUND_STATE_LABELS,
        circular_labels=CIRCULAR_STATE_LABELS,
        team_form=TeamForm(formdata=None, people=people_choices()) if writable else None,
        round_form=round_form,
        circular_form=CircularLinkForm(formdata=None, circulars=circular_choices()) if writable else None,
        can_generate=scope.can("circulars.manage"), **labels())


def _back(campaign_id: int) -> str:
    return url_for("plans.campaign", campaign_id=campaign_id)


def _require_csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/campaigns/<int:campaign_id>/teams")
@capability_required("campaigns.manage")
def team(campaign_id: int) -> Response:
    form = TeamForm(people=people_choices())
    if not form.validate_on_submit():
        flash(gettext("Give the team a name."), "error")
        return redirect(_back(campaign_id))
    try:
        add_team(db.scope(), campaign_id, name=form.name.data, leader_id=form.leader.data,
                 member_ids=form.members.data or [])
    except USER_ERRORS as error:
        return refused(error, _back(campaign_id))
    return done(gettext("The team has been formed."), _back(campaign_id))


@bp.post("/campaigns/teams/<int:team_id>/remove")
@capability_required("campaigns.manage")
def disband(team_id: int) -> Response:
    _require_csrf()
    campaign = remove_team(db.scope(), team_id)
    return done(gettext("The team has been disbanded."), _back(campaign.id))


@bp.post("/campaigns/<int:campaign_id>/rounds")
@capability_required("reviews.manage")
def plan_round(campaign_id: int) -> Response:
    form = RoundForm()
    if not form.validate_on_submit():
        flash(gettext("Give the round a name and a budget."), "error")
        return redirect(_back(campaign_id))
    refresh_scores()
    try:
        review_round = plan_campaign_round(db.scope(), campaign_id, name=form.name.data, budget=form.budget.data,
                                           today=today(), random_share=float(form.random_share.data),
                                           min_region_chance=float(form.min_region_chance.data))
    except USER_ERRORS as error:
        return refused(error, _back(campaign_id))
    return done(gettext("The round is planned: %(count)s visits.", count=len(review_round.visits)),
                url_for("review.round_page", round_id=review_round.id))


@bp.post("/campaigns/<int:campaign_id>/circulars")
@capability_required("campaigns.manage")
def circular(campaign_id: int) -> Response:
    form = CircularLinkForm(circulars=circular_choices())
    if not form.validate_on_submit():
        flash(gettext("Choose a circular."), "error")
        return redirect(_back(campaign_id))
    link_circular(db.scope(), campaign_id, form.circular.data)
    return done(gettext("The circular is linked to the campaign."), _back(campaign_id))


@bp.post("/campaigns/<int:campaign_id>/state/<state>")
@capability_required("campaigns.manage")
def change_state(campaign_id: int, state: str) -> Response:
    _require_csrf()
    if state not in CampaignState.__members__:
        abort(404)
    try:
        set_campaign_state(db.scope(), campaign_id, CampaignState(state))
    except USER_ERRORS as error:
        return refused(error, _back(campaign_id))
    return done(gettext("The campaign's state has changed."), _back(campaign_id))
