"""Research topics (督查调研): key and difficult problems studied through visits.

A topic gathers visits to units, findings and recommendations, and links to
the matters it bears on. Topics belong to a supervising unit and are seen by
staff of that unit and above.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    String,
    Table,
    Text,
    false,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow
from core.errors import ValidationError
from core.ledger.models import Matter
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class TopicStatus(str, enum.Enum):
    """How far a research topic has come."""

    planned = "planned"
    ongoing = "ongoing"
    concluded = "concluded"


class FindingKind(str, enum.Enum):
    """A finding (发现的问题) or a recommendation (意见建议)."""

    finding = "finding"
    recommendation = "recommendation"


topic_matters = Table(
    "research_topic_matters", Base.metadata,
    Column("topic_id", ForeignKey("research_topics.id", ondelete="CASCADE"), primary_key=True),
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True),
)


class ResearchTopic(Base):
    """A research topic run by a supervising unit."""

    __tablename__ = "research_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TopicStatus] = mapped_column(Enum(TopicStatus, native_enum=False, length=20),
                                                default=TopicStatus.planned)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship()
    matters: Mapped[list[Matter]] = relationship(secondary=topic_matters, order_by=Matter.code)
    visits: Mapped[list[ResearchVisit]] = relationship(back_populates="topic", order_by="ResearchVisit.visited_on",
                                                       cascade="all, delete-orphan")
    findings: Mapped[list[ResearchFinding]] = relationship(back_populates="topic", order_by="ResearchFinding.id",
                                                           cascade="all, delete-orphan")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff of the owning unit and the units above it; never unit officers."""
        if scope.is_admin:
            return true()
        capability = "research.manage" if action == "write" else "research.view"
        if not scope.can(capability):
            return false()
        return cls.owner_unit_id.in_(scope.unit_ids(action))


class ResearchVisit(Base):
    """A visit made for a topic: where, when, who went, what was seen."""

    __tablename__ = "research_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("research_topics.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    topic: Mapped[ResearchTopic] = relationship(back_populates="visits")
    unit: Mapped[Unit] = relationship()


class ResearchFinding(Base):
    """A finding or recommendation of a topic, optionally about one matter."""

    __tablename__ = "research_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("research_topics.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FindingKind] = mapped_column(Enum(FindingKind, native_enum=False, length=20))
    text: Mapped[str] = mapped_column(Text)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    topic: Mapped[ResearchTopic] = relationship(back_populates="findings")
    matter: Mapped[Matter | None] = relationship()


def create_topic(scope: Scope, *, title: str, description: str = "", owner_unit: Unit | None = None,
                 matter_ids: list[int] | None = None) -> ResearchTopic:
    """Open a research topic for the user's unit (or ``owner_unit`` within their scope)."""
    scope.require("research.manage")
    title = title.strip()
    if not title:
        raise ValidationError("A research topic needs a title.")
    unit = owner_unit or scope.unit
    if unit is None or unit.id not in scope.session.scalars(scope.unit_ids("write")).all():
        raise ValidationError("Choose a unit within your own.")
    topic = ResearchTopic(title=title, description=description.strip(), owner_unit_id=unit.id,
                          created_by_id=scope.user.id if scope.user else None)
    topic.matters = _visible_matters(scope, matter_ids or [])
    scope.session.add(topic)
    scope.session.flush()
    return topic


def link_matters(scope: Scope, topic: ResearchTopic, matter_ids: list[int]) -> None:
    """Set the matters a topic bears on; matters the user cannot see are ignored."""
    topic.matters = _visible_matters(scope, matter_ids)
    scope.session.flush()


def _visible_matters(scope: Scope, matter_ids: list[int]) -> list[Matter]:
    if not matter_ids:
        return []
    return list(scope.session.scalars(scope.select(Matter).where(Matter.id.in_(matter_ids)).order_by(Matter.code)))


def add_visit(session: Session, topic: ResearchTopic, *, unit: Unit, visited_on: date,
              participants: str = "", notes: str = "") -> ResearchVisit:
    """Record a visit for ``topic`` (the caller checked write access to the topic)."""
    visit = ResearchVisit(topic=topic, unit_id=unit.id, visited_on=visited_on,
                          participants=participants.strip(), notes=notes.strip())
    session.add(visit)
    if topic.status == TopicStatus.planned:
        topic.status = TopicStatus.ongoing
    session.flush()
    return visit


def add_finding(session: Session, topic: ResearchTopic, *, kind: FindingKind, text: str,
                matter: Matter | None = None) -> ResearchFinding:
    """Record a finding or recommendation for ``topic``."""
    text = text.strip()
    if not text:
        raise ValidationError("Write the finding or recommendation.")
    finding = ResearchFinding(topic=topic, kind=kind, text=text, matter_id=matter.id if matter else None)
    session.add(finding)
    session.flush()
    return finding


def topics_for_matter(scope: Scope, matter: Matter) -> list[ResearchTopic]:
    """Research topics the user may see that bear on ``matter``."""
    stmt = (scope.select(ResearchTopic)
            .where(ResearchTopic.id.in_(select(topic_matters.c.topic_id).where(topic_matters.c.matter_id == matter.id)))
            .order_by(ResearchTopic.created_at.desc()))
    return list(scope.session.scalars(stmt))
