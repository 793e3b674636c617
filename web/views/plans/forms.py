"""The forms of the plans' and campaigns' pages."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.ledger.models import MATTER_KIND_LABELS, SUPERVISION_METHOD_LABELS, MatterKind, SupervisionMethod
from core.plans.models import PROGRESS_LABELS, ItemProgress

Choices = Sequence[tuple[int, str]]


def _optional_int(value: object) -> int | None:
    return int(str(value)) if value not in (None, "", "None") else None


class PlanForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    year = IntegerField(lazy_gettext("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    quarter = SelectField(lazy_gettext("Plan period"), choices=[], coerce=_optional_int, validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.quarter.choices = [("", gettext("The whole year"))] + [
            (q, gettext("Quarter %(number)s", number=q)) for q in (1, 2, 3, 4)]


class ItemForm(FlaskForm):
    title = StringField(lazy_gettext("What is supervised (empty: the first matter's title)"),
                        validators=[Length(max=300)])
    matters = SelectMultipleField(lazy_gettext("Matters of the ledger"), choices=[], coerce=int)
    new_matter_code = StringField(lazy_gettext("Or register a new matter: its code"), validators=[Length(max=64)])
    new_matter_title = StringField(lazy_gettext("New matter's title"), validators=[Length(max=300)])
    new_matter_kind = SelectField(lazy_gettext("New matter's kind"), choices=[])
    method = SelectField(lazy_gettext("Way of supervision"), choices=[])
    unit = SelectField(lazy_gettext("Responsible office"), choices=[], coerce=int)
    lead = SelectField(lazy_gettext("Lead"), choices=[], coerce=_optional_int, validators=[Optional()])
    start_on = DateField(lazy_gettext("Starts on"), validators=[Optional()])
    end_on = DateField(lazy_gettext("Ends on"), validators=[Optional()])
    visit_budget = IntegerField(lazy_gettext("Budget of visits"), default=0,
                                validators=[InputRequired(), NumberRange(0, 10000)])
    requirement = TextAreaField(lazy_gettext("What will be checked"), validators=[Length(max=20000)])
    campaign = SelectField(lazy_gettext("Special campaign"), choices=[], coerce=_optional_int,
                           validators=[Optional()])

    def __init__(self, *args: object, matters: Choices = (), units: Choices = (), leads: Choices = (),
                 campaigns: Choices = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.matters.choices = list(matters)
        self.unit.choices = list(units)
        self.lead.choices = [("", gettext("(nobody named)")), *leads]
        self.campaign.choices = [("", gettext("(none)")), *campaigns]
        self.method.choices = [(m.value, gettext(SUPERVISION_METHOD_LABELS[m])) for m in SupervisionMethod]
        self.new_matter_kind.choices = [(k.value, gettext(MATTER_KIND_LABELS[k])) for k in MatterKind]


class ProgressForm(FlaskForm):
    progress = SelectField(lazy_gettext("Progress"), choices=[])
    note = TextAreaField(lazy_gettext("What has been done"), validators=[Length(max=20000)])
    reason = TextAreaField(lazy_gettext("Why it is dropped"), validators=[Length(max=20000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.progress.choices = [(p.value, gettext(PROGRESS_LABELS[p])) for p in ItemProgress]


class ReturnForm(FlaskForm):
    note = TextAreaField(lazy_gettext("What should change"), validators=[DataRequired(), Length(max=20000)])


class SummaryForm(FlaskForm):
    summary = TextAreaField(lazy_gettext("Year-end summary"), validators=[Length(max=20000)])


class CircularLinkForm(FlaskForm):
    circular = SelectField(lazy_gettext("Circular"), choices=[], coerce=int)

    def __init__(self, *args: object, circulars: Choices = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.circular.choices = list(circulars)


class CampaignForm(FlaskForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(lazy_gettext("Description"), validators=[Length(max=20000)])
    start_on = DateField(lazy_gettext("Starts on"), validators=[Optional()])
    end_on = DateField(lazy_gettext("Ends on"), validators=[Optional()])
    matters = SelectMultipleField(lazy_gettext("Matters"), choices=[], coerce=int)
    units = SelectMultipleField(lazy_gettext("Units (none: every unit with a task in its matters)"), choices=[],
                                coerce=int)
    leader = SelectField(lazy_gettext("Led by"), choices=[], coerce=_optional_int, validators=[Optional()])

    def __init__(self, *args: object, matters: Choices = (), units: Choices = (), leads: Choices = (),
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.matters.choices = list(matters)
        self.units.choices = list(units)
        self.leader.choices = [("", gettext("(nobody named)")), *leads]


class TeamForm(FlaskForm):
    name = StringField(lazy_gettext("Team name"), validators=[DataRequired(), Length(max=200)])
    leader = SelectField(lazy_gettext("Team leader"), choices=[], coerce=_optional_int, validators=[Optional()])
    members = SelectMultipleField(lazy_gettext("Members"), choices=[], coerce=int)

    def __init__(self, *args: object, people: Choices = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.leader.choices = [("", gettext("(nobody named)")), *people]
        self.members.choices = list(people)
