"""The forms of the tips pages (every one carries a CSRF token)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional

from core import clock
from plugins.media_tips.attachments import MAX_BYTES, MAX_FILES
from plugins.media_tips.models import CATEGORY_LABELS, SOURCE_LABELS, MessageKind, TipSource
from plugins.media_tips.triage import MAX_TEXT
from web.plugin_api import HappenedOn


def _files_field() -> MultipleFileField:
    return MultipleFileField(
        lazy_gettext("Photos or files (optional)"),
        description=lazy_gettext("Up to %(count)s JPEG, PNG, GIF, WebP or PDF files, %(size)s MiB each.",
                                 count=MAX_FILES, size=MAX_BYTES // (1024 * 1024)))


def category_choices() -> list[tuple[str, str]]:
    return [(key, gettext(label)) for key, label in CATEGORY_LABELS.items()]


class PublicTipForm(FlaskForm):
    text = TextAreaField(lazy_gettext("What happened?"), validators=[DataRequired(), Length(max=MAX_TEXT)],
                         description=lazy_gettext("Which policy is not carried out, or what was done too slowly "
                                                  "or arbitrarily; when, and who is affected."))
    region = SelectField(lazy_gettext("Region"), choices=[], validators=[Optional()])
    place = StringField(lazy_gettext("Where exactly (optional)"), validators=[Length(max=300)])
    unit_named = StringField(lazy_gettext("Unit concerned (optional)"), validators=[Length(max=200)])
    category = SelectField(lazy_gettext("Category"), choices=[])
    contact = StringField(lazy_gettext("Your contact (optional)"), validators=[Length(max=300)],
                          description=lazy_gettext("A phone number or e-mail address. Only the supervision staff "
                                                   "handling your tip can see it."))
    files = _files_field()

    def __init__(self, regions: list[SelectChoice], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = [SelectChoice("", gettext("Not sure")), *regions]
        self.category.choices = category_choices()


class StatusForm(FlaskForm):
    code = StringField(lazy_gettext("Query code"), validators=[DataRequired(), Length(max=64)],
                       description=lazy_gettext("The code of 20 letters and digits on your receipt "
                                                "(not the report number T…)."))


class FollowUpForm(FlaskForm):
    code = HiddenField(validators=[DataRequired(), Length(max=64)])
    text = TextAreaField(lazy_gettext("Add information"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    files = _files_field()


class IntakeForm(FlaskForm):
    source = SelectField(lazy_gettext("Source"), choices=[])
    title = StringField(lazy_gettext("Headline (optional)"), validators=[Length(max=300)])
    text = TextAreaField(lazy_gettext("What the tip says"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    url = StringField(lazy_gettext("Link (optional)"),
                      validators=[Optional(), Length(max=1000), URL(require_tld=False)])
    region = SelectField(lazy_gettext("Region"), choices=[], validators=[Optional()])
    unit_code = StringField(lazy_gettext("Unit code (optional)"), validators=[Length(max=64)])
    category = SelectField(lazy_gettext("Category"), choices=[])
    contact = StringField(lazy_gettext("Tipster's contact (optional)"), validators=[Length(max=300)])
    received_on = DateField(lazy_gettext("Received on"), validators=[DataRequired(), HappenedOn()], default=clock.today)
    files = _files_field()

    def __init__(self, regions: list[SelectChoice], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = [(source.value, gettext(SOURCE_LABELS[source]))
                               for source in (TipSource.media, TipSource.hotline, TipSource.public, TipSource.other)]
        self.region.choices = [SelectChoice("", gettext("Not known")), *regions]
        self.category.choices = category_choices()


class MoveForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])


class HandOverForm(FlaskForm):
    unit = SelectField(lazy_gettext("Responsible unit"), choices=[], coerce=int)
    due = DateField(lazy_gettext("Answer by"), validators=[DataRequired()],
                    default=lambda: date.today() + timedelta(days=15))


class ReplyForm(FlaskForm):
    kind = SelectField(lazy_gettext("Kind"), choices=[])
    body = TextAreaField(lazy_gettext("Message"), validators=[DataRequired(), Length(max=MAX_TEXT)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(MessageKind.staff_reply.value, gettext("Reply to the tipster")),
                             (MessageKind.note.value, gettext("Internal note (staff only)"))]


class CorrectLinkForm(FlaskForm):
    matter_code = StringField(lazy_gettext("Matter code"), validators=[Length(max=64)])
    unit_code = StringField(lazy_gettext("Unit code"), validators=[Length(max=64)])


class AnswerForm(FlaskForm):
    body = TextAreaField(lazy_gettext("Your unit's answer"), validators=[DataRequired(), Length(max=MAX_TEXT)],
                         description=lazy_gettext("What was checked and what was done. "
                                                  "The tipster will read this answer."))


class FeedForm(FlaskForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=200)])
    url = StringField(lazy_gettext("Feed address (RSS or Atom)"), validators=[DataRequired(), Length(max=1000)])
