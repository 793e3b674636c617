"""Pages for API tokens (staff), webhook subscribers and failed jobs (administrators)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.access.models import User
from core.access.tokens import DEFAULT_DAYS, MAX_DAYS, ApiToken, create_token, revoke_token
from core.db import utcnow
from core.errors import DubanError
from core.jobs import JobFailure
from core.webhooks import (
    EVENTS,
    DeliveryState,
    WebhookDelivery,
    WebhookSubscriber,
    save_subscriber,
)
from web import db
from web.actions import done
from web.auth import capability_required
from web.background import job_queue
from web.forms import ActionForm
from web.i18n import render_message

bp = Blueprint("integrations", __name__)


class TokenForm(FlaskForm):
    name = StringField(lazy_gettext("What the token is for"), validators=[Optional(), Length(max=100)])
    username = StringField(lazy_gettext("Account (administrators: any account; empty for yourself)"),
                           validators=[Optional(), Length(max=80)])
    days = IntegerField(lazy_gettext("Days until it expires"), default=DEFAULT_DAYS,
                        validators=[DataRequired(), NumberRange(min=1, max=MAX_DAYS)])
    read_only = BooleanField(lazy_gettext("Read only (the token may read, never change anything)"))


class SubscriberForm(FlaskForm):
    name = StringField(lazy_gettext("Name"), validators=[Optional(), Length(max=100)])
    url = StringField(lazy_gettext("Address (URL)"), validators=[DataRequired(), Length(max=500)])
    events = SelectMultipleField(lazy_gettext("Events"), choices=[], option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))
    active = BooleanField(lazy_gettext("Active"), default=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.events.choices = [(name, gettext(label)) for name, label in EVENTS.items()]


# -- API tokens ---------------------------------------------------------------


def _tokens_page(form: TokenForm, secret: str | None = None) -> str:
    scope = db.scope()
    tokens = list(db.session().scalars(scope.select(ApiToken).order_by(ApiToken.id.desc()).limit(500)))
    return render_template("integrations/tokens.html", form=form, tokens=tokens, secret=secret,
                           is_admin=scope.is_admin)


@bp.get("/tokens/")
@capability_required("tokens.manage")
def tokens() -> str:
    return _tokens_page(TokenForm())


@bp.post("/tokens/")
@capability_required("tokens.manage")
def create() -> str | tuple[str, int]:
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form), 400
    scope = db.scope()
    session = db.session()
    owner = current_user._get_current_object()
    if form.username.data and form.username.data.strip() != owner.username:
        owner = session.scalar(select(User).where(func.lower(User.username) == form.username.data.strip().lower()))
        if owner is None or not scope.is_admin:
            form.username.errors.append(gettext("You may not create a token for this account."))
            return _tokens_page(form), 400
    try:
        _token, secret = create_token(scope, owner, form.name.data or "", days=form.days.data,
                                      read_only=form.read_only.data)
    except DubanError as error:
        session.rollback()
        flash(render_message(error.message), "error")
        return _tokens_page(form), error.status
    session.commit()
    # The secret is shown once, on this answer, and never stored.
    return _tokens_page(TokenForm(formdata=None), secret=secret)


@bp.post("/tokens/<int:token_id>/revoke")
@capability_required("tokens.manage")
def revoke(token_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    token = db.scope().get(ApiToken, token_id)
    revoke_token(token)
    db.session().commit()
    flash(gettext("The token has been revoked."), "info")
    return redirect(url_for("integrations.tokens"))


# -- Webhooks -----------------------------------------------------------------


@bp.route("/webhooks/", methods=["GET", "POST"])
@capability_required("webhooks.manage")
def webhooks() -> str | Response | tuple[str, int]:
    scope = db.scope()
    session = db.session()
    form = SubscriberForm()
    status = 200
    if form.validate_on_submit():
        try:
            save_subscriber(session, WebhookSubscriber(secret=""), name=form.name.data or "",
                            url=form.url.data, events=form.events.data or [], active=form.active.data,
                            allowed_hosts=current_app.config.get("OUTBOUND_ALLOWED_HOSTS") or ())
        except DubanError as error:
            session.rollback()
            flash(render_message(error.message), "error")
            status = 400
        else:
            session.commit()
            flash(gettext("The subscriber has been saved."), "info")
            return redirect(url_for("integrations.webhooks"))
    elif form.is_submitted():
        status = 400
    subscribers = list(session.scalars(scope.select(WebhookSubscriber).order_by(WebhookSubscriber.id)))
    deliveries = list(session.scalars(scope.select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(50)))
    return render_template("integrations/webhooks.html", form=form, subscribers=subscribers,
                           deliveries=deliveries, events=EVENTS, states=DeliveryState), status


@bp.post("/webhooks/<int:subscriber_id>/toggle")
@capability_required("webhooks.manage")
def toggle_subscriber(subscriber_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    subscriber = db.scope().get(WebhookSubscriber, subscriber_id, "write")
    subscriber.active = not subscriber.active
    db.session().commit()
    return redirect(url_for("integrations.webhooks"))


# -- Failed jobs --------------------------------------------------------------


@bp.get("/jobs/")
@capability_required("jobs.view")
def jobs() -> str:
    failures = list(db.session().scalars(db.scope().select(JobFailure).order_by(JobFailure.id.desc()).limit(200)))
    return render_template("integrations/jobs.html", failures=failures)


@bp.post("/jobs/<int:failure_id>/retry")
@capability_required("jobs.view")
def retry(failure_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    failure = db.scope().get(JobFailure, failure_id)
    queue = job_queue()
    # A failure without its journal entry kept its arguments only as text: those jobs cannot be queued again.
    if failure.job not in queue.tasks or (failure.run_id is None and failure.arguments):
        flash(gettext("This job cannot be retried from here."), "error")
        return redirect(url_for("integrations.jobs"))
    if failure.run_id is not None:
        queue.requeue(db.session(), failure.run_id)  # sent when this action commits
    else:
        queue.enqueue(failure.job, session=db.session())
    failure.retried_at = utcnow()
    return done(gettext("The job has been queued again."), url_for("integrations.jobs"))
