"""The tables of the survey plugin (all prefixed ``survey_``).

A survey (民意调查) is one XLSForm definition, owned by a supervising unit, linked to the
matters and units it speaks about, and answered on a public link or through single-use
invitations. Responses keep their answers as one JSON document; anonymous surveys keep no
address and no time finer than the day.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, utcnow
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class SurveyStatus(str, enum.Enum):
    """Where a survey is in its life."""

    draft = "draft"  # 草稿
    published = "published"  # 已发布
    closed = "closed"  # 已结束


# Msgids of their own: core's "Published" and "Closed" (a circular's 已印发, a task's
# 已销号) are merged over a plugin's catalogue, so shared wording would show those.
STATUS_LABELS = {
    SurveyStatus.draft: N_("Draft"),
    SurveyStatus.published: N_("Survey published"),
    SurveyStatus.closed: N_("Survey closed"),
}


class Access(str, enum.Enum):
    """How respondents reach the form."""

    open = "open"  # an open link; anonymous
    invitation = "invitation"  # single-use invitation links


ACCESS_LABELS = {
    Access.open: N_("Open link (anonymous)"),
    Access.invitation: N_("Invitations only"),
}


class AnswerWindow:
    """When a survey takes answers, and whether they are anonymous (shared by the ORM row and
    the cached form respondents' requests are checked against)."""

    if TYPE_CHECKING:
        status: SurveyStatus
        access: Access
        opens_on: date | None
        closes_on: date | None

    @property
    def anonymous(self) -> bool:
        """Open-link surveys are anonymous: no address, no time finer than the day."""
        return self.access == Access.open

    def is_open_on(self, day: date) -> bool:
        """True when respondents may answer on ``day``."""
        if self.status != SurveyStatus.published:
            return False
        if self.opens_on is not None and day < self.opens_on:
            return False
        return self.closes_on is None or day <= self.closes_on


class Survey(AnswerWindow, Base):
    """One survey: its XLSForm definition, the XForm served to ODK Collect, and its settings."""

    __tablename__ = "survey_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[SurveyStatus] = mapped_column(Enum(SurveyStatus, native_enum=False, length=20),
                                                 default=SurveyStatus.draft)
    access: Mapped[Access] = mapped_column(Enum(Access, native_enum=False, length=20), default=Access.open)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(String(200), default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    xform: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Goes up with every change to the survey, its linked units or its quotas (see _count_revisions):
    # respondents' requests reuse a cached copy of the form while it is unchanged.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The unit a response speaks about can come from one question's answer (unit or region codes).
    unit_field: Mapped[str] = mapped_column(String(120), default="")
    # Indicators turned into signals: [{"kind", "field", "values": [...], "target"}].
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Secret part of the per-survey OpenRosa address for field teams (ODK Collect, Enketo).
    collect_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[Unit] = relationship()
    matter_links: Mapped[list[SurveyMatter]] = relationship(back_populates="survey", cascade="all, delete-orphan")
    unit_links: Mapped[list[SurveyUnit]] = relationship(back_populates="survey", cascade="all, delete-orphan")
    quotas: Mapped[list[SurveyQuota]] = relationship(back_populates="survey", cascade="all, delete-orphan",
                                                     order_by="SurveyQuota.id")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        if scope.is_admin and action == "read":
            return true()
        return scope.unit_clause(cls.owner_unit_id, action)


class SurveyMatter(Base):
    """A matter a survey speaks about."""

    __tablename__ = "survey_matters"
    __table_args__ = (UniqueConstraint("survey_id", "matter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey_surveys.id", ondelete="CASCADE"), index=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)

    survey: Mapped[Survey] = relationship(back_populates="matter_links")
    matter: Mapped[Matter] = relationship()


class SurveyUnit(Base):
    """A unit (or the region it governs) a survey speaks about."""

    __tablename__ = "survey_units"
    __table_args__ = (UniqueConstraint("survey_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey_surveys.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    survey: Mapped[Survey] = relationship(back_populates="unit_links")
    unit: Mapped[Unit] = relationship()


class SurveyResponse(Base):
    """One respondent's answers. Written once, never changed.

    ``submission_key`` is unique per survey: the form render's token for the web, the
    instanceID for OpenRosa, so a resubmitted page or a retried upload stores nothing twice.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "submission_key"),
        Index("ix_survey_responses_survey_unit", "survey_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey_surveys.id", ondelete="CASCADE"))
    submission_key: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    submitted_on: Mapped[date] = mapped_column(Date)
    # None for anonymous surveys: the day is all they keep.
    submitted_at: Mapped[datetime | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(20), default="web")
    language: Mapped[str] = mapped_column(String(20), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)

    survey: Mapped[Survey] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        return cls.survey_id.in_(select(Survey.id).where(Survey.__scope__(scope, action)))


#: The longest e-mail address an invitation holds.
EMAIL_LENGTH = 200


class SurveyInvitation(Base):
    """One invitee's single-use link; only the token's hash is kept.

    The token is derived from ``token_nonce`` and the instance's secret key (see
    :func:`plugins.survey.tokens.invitation_token`), so reminders can carry the link again
    while the database alone cannot. Invitations made before nonces existed have none.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey_surveys.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    token_nonce: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    invited_on: Mapped[date] = mapped_column(Date)
    responded_on: Mapped[date | None] = mapped_column(Date)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit | None] = relationship()


class SurveyQuota(Base):
    """At most ``limit`` responses whose answer to ``field`` is ``value`` (e.g. per region)."""

    __tablename__ = "survey_quotas"
    __table_args__ = (UniqueConstraint("survey_id", "field", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey_surveys.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(120))
    value: Mapped[str] = mapped_column(String(200))
    limit: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer, default=0)

    survey: Mapped[Survey] = relationship(back_populates="quotas")


@event.listens_for(Session, "before_flush")
def _count_revisions(session: Session, _context: Any, _instances: Any) -> None:
    """Raise the revision of every survey changed in this flush, or whose units or quotas changed.

    Quota counts (``filled``) move with Core updates as answers arrive and do not count.
    """
    changed: dict[int, Survey] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Survey) and obj.id is not None and session.is_modified(obj):
            changed[obj.id] = obj
        elif isinstance(obj, (SurveyUnit, SurveyQuota)):
            owner = obj.survey or (session.get(Survey, obj.survey_id) if obj.survey_id else None)
            if owner is not None and owner.id is not None:
                changed[owner.id] = owner
    for survey in changed.values():
        survey.revision = (survey.revision or 1) + 1
