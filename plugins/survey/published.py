"""A published survey as respondents' requests need it, kept per process while it is unchanged.

Taking an answer needs the form's definition, its answer window, the units it speaks about
and its quotas. Reading all of that through the ORM on every submission would cost more
than storing the answer, so each process keeps one :class:`PublishedForm` per survey and
checks it with one small query per request: the survey's ``revision``, which goes up with
every change to the survey, its linked units or its quotas
(:func:`plugins.survey.models._count_revisions`).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from plugins.survey.engine import walks_needed
from plugins.survey.models import Access, AnswerWindow, Survey, SurveyStatus, SurveyUnit

SURVEYS = Survey.__table__
REVISION_BY_SLUG = select(SURVEYS.c.id, SURVEYS.c.revision).where(SURVEYS.c.slug == bindparam("slug"))
REVISION_BY_ID = select(SURVEYS.c.revision).where(SURVEYS.c.id == bindparam("survey_id"))


@dataclass(frozen=True)
class LinkedUnit:
    """A unit a survey speaks about, with the codes an answer may name it by."""

    id: int
    code: str
    region_code: str


@dataclass(frozen=True)
class Quota:
    """At most so many answers whose ``field`` is ``value`` (the count lives in the database)."""

    id: int
    field: str
    value: str


@dataclass(frozen=True)
class PublishedForm(AnswerWindow):
    """What checking and storing one response needs, read once per revision."""

    id: int
    slug: str
    revision: int
    status: SurveyStatus
    access: Access
    opens_on: date | None
    closes_on: date | None
    definition: dict[str, Any]
    unit_field: str
    units: tuple[LinkedUnit, ...]
    quotas: tuple[Quota, ...]
    # How many times the checker walks the form (2 when a calculation reads a later field).
    walks: int

    @classmethod
    def of(cls, survey: Survey) -> PublishedForm:
        return cls(
            id=survey.id, slug=survey.slug, revision=survey.revision, status=survey.status, access=survey.access,
            opens_on=survey.opens_on, closes_on=survey.closes_on, definition=survey.definition,
            unit_field=survey.unit_field,
            units=tuple(LinkedUnit(link.unit.id, link.unit.code, link.unit.region_code or "")
                        for link in survey.unit_links),
            quotas=tuple(Quota(quota.id, quota.field, quota.value) for quota in survey.quotas),
            walks=walks_needed(survey.definition))


class FormCache:
    """The forms one application has served lately, by survey id; at most ``size`` of them."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._forms: OrderedDict[int, PublishedForm] = OrderedDict()
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def cached(self, slug: str) -> PublishedForm | None:
        """The form at ``slug`` as this process last read it, without asking the database.

        Whoever stores answers checked against it must confirm its revision in the same
        transaction (:func:`plugins.survey.submission.store` does).
        """
        with self._lock:
            survey_id = self._ids.get(slug)
            return None if survey_id is None else self._forms.get(survey_id)

    def by_slug(self, session: Session, slug: str) -> PublishedForm | None:
        """The form at ``slug`` as it stands now, or None when there is no such survey."""
        row = session.connection().execute(REVISION_BY_SLUG, {"slug": slug}).first()
        if row is None:
            return None
        form = self._hit(row.id, row.revision)
        if form is not None:
            return form
        survey = session.scalar(select(Survey).where(Survey.id == row.id).options(
            selectinload(Survey.unit_links).joinedload(SurveyUnit.unit), selectinload(Survey.quotas)))
        return None if survey is None else self._keep(PublishedForm.of(survey))

    def of(self, survey: Survey) -> PublishedForm:
        """The form of ``survey``, a row just read: the cached copy while it is at the same revision."""
        return self._hit(survey.id, survey.revision) or self._keep(PublishedForm.of(survey))

    def _hit(self, survey_id: int, revision: int) -> PublishedForm | None:
        with self._lock:
            form = self._forms.get(survey_id)
            if form is None or form.revision != revision:
                return None
            self._forms.move_to_end(survey_id)
            return form

    def _keep(self, form: PublishedForm) -> PublishedForm:
        with self._lock:
            self._forms[form.id] = form
            self._forms.move_to_end(form.id)
            self._ids[form.slug] = form.id
            while len(self._forms) > self.size:
                _id, dropped = self._forms.popitem(last=False)
                self._ids.pop(dropped.slug, None)
        return form
