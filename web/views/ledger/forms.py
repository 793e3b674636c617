"""The ledger's forms."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from core.ledger.labels import CADENCE_LABELS, FINDING_LABELS, TOPIC_STATUS_LABELS
from core.ledger.models import (
    MATTER_KIND_LABELS,
    SUPERVISION_METHOD_LABELS,
    Cadence,
    MatterKind,
    SupervisionMethod,
)
from core.ledger.research import FindingKind, TopicStatus


class MatterForm(FlaskForm):
    code = StringField(lazy_gettext("Matter code"), validators=[DataRequired(), Length(max=64)])
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(lazy_gettext("Kind"), choices=[])
    source_ref = StringField(lazy_gettext("Source (document number, meeting, instruction)"),
                             validators=[Length(max=300)])
    description = TextAreaField(lazy_gettext("Description"), validators=[Length(max=20000)])
    importance = IntegerField(lazy_gettext("Importance (1–5)"), default=3, validators=[NumberRange(1, 5)])
    public_attention = IntegerField(lazy_gettext("Public attention (0–5)"), default=0,
                                    validators=[NumberRange(0, 5)])
    people_affected = IntegerField(lazy_gettext("People affected"), default=0,
                                   validators=[Optional(), NumberRange(min=0)])
    money_affected = DecimalField(lazy_gettext("Money affected (yuan)"), default=0, places=2,
                                  validators=[Optional(), NumberRange(min=0)])
    # The supervision requirement (督查要求): how and by when the matter will be checked.
    supervision_method = SelectField(lazy_gettext("Supervision requirement: how it will be checked"), choices=[],
                                     default="")
    supervision_due = DateField(lazy_gettext("Checked by"), validators=[Optional()])
    supervision_requirement = TextAreaField(lazy_gettext("What will be checked"), validators=[Length(max=20000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, gettext(MATTER_KIND_LABELS[kind])) for kind in MatterKind]
        self.supervision_method.choices = [("", gettext("(no requirement)"))] + [
            (method.value, gettext(SUPERVISION_METHOD_LABELS[method])) for method in SupervisionMethod]


class TaskForm(FlaskForm):
    unit = SelectField(lazy_gettext("Lead unit"), choices=[], coerce=int)
    co_units = SelectMultipleField(lazy_gettext("Co-units"), choices=[], coerce=int)
    description = TextAreaField(lazy_gettext("Task"), validators=[DataRequired(), Length(max=5000)])
    deadline = DateField(lazy_gettext("Deadline"), validators=[DataRequired()])
    cadence = SelectField(lazy_gettext("Reporting cadence"), choices=[])

    def __init__(self, *args: object, units: Sequence[tuple[int, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = list(units)
        self.co_units.choices = list(units)
        self.cadence.choices = [(c.value, gettext(CADENCE_LABELS[c])) for c in Cadence]


class RedispatchForm(FlaskForm):
    units = SelectMultipleField(lazy_gettext("Units below"), choices=[], coerce=int,
                                validators=[DataRequired()])
    description = TextAreaField(lazy_gettext("Task"), validators=[DataRequired(), Length(max=5000)])
    deadline = DateField(lazy_gettext("Deadline"), validators=[DataRequired()])


class ReportForm(FlaskForm):
    text = TextAreaField(lazy_gettext("What has been done"), validators=[DataRequired(), Length(max=20000)])
    percent_done = IntegerField(lazy_gettext("Percent done"), validators=[InputRequired(), NumberRange(0, 100)])
    files = MultipleFileField(lazy_gettext("Attachments (PDF, image, Word, Excel, OFD or text)"))


class ReviewForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(lazy_gettext("Comment (required when sending back)"), validators=[Length(max=5000)])


class NoteForm(FlaskForm):
    text = TextAreaField(lazy_gettext("Text"), validators=[DataRequired(), Length(max=5000)])


class TopicForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(lazy_gettext("Description"), validators=[Length(max=20000)])
    matters = SelectMultipleField(lazy_gettext("Related matters"), choices=[], coerce=int)
    status = SelectField(lazy_gettext("Status"), choices=[])

    def __init__(self, *args: object, matters: Sequence[tuple[int, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.matters.choices = list(matters)
        self.status.choices = [(s.value, gettext(TOPIC_STATUS_LABELS[s])) for s in TopicStatus]


class VisitForm(FlaskForm):
    unit = SelectField(lazy_gettext("Unit visited"), choices=[], coerce=int)
    visited_on = DateField(lazy_gettext("Date"), validators=[DataRequired()])
    participants = StringField(lazy_gettext("Participants"), validators=[Length(max=300)])
    notes = TextAreaField(lazy_gettext("Notes"), validators=[Length(max=20000)])


class FindingForm(FlaskForm):
    kind = SelectField(lazy_gettext("Kind"), choices=[])
    text = TextAreaField(lazy_gettext("Text"), validators=[DataRequired(), Length(max=20000)])
    matter = SelectField(lazy_gettext("About matter"), choices=[], coerce=int)

    def __init__(self, *args: object, matters: Sequence[tuple[int, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, gettext(FINDING_LABELS[k])) for k in FindingKind]
        self.matter.choices = [(0, "—"), *matters]
