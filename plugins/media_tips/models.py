"""The tables of the media and public tips plugin (all prefixed ``tips_``).

A tip (线索) is one report from the public, the media or the hotline. It is held
by a supervising unit (``home_unit``, the office for the tip's region), may be
handed over to a responsible unit (``handed_unit``) that must answer by a date,
and carries suggested and confirmed links to matters and units.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.i18n import N_, Message, message
from core.ledger.models import Matter
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class TipSource(str, enum.Enum):
    """Where a tip came from (来源)."""

    public = "public"  # 群众
    media = "media"  # 媒体
    hotline = "hotline"  # 热线
    other = "other"


SOURCE_LABELS = {
    TipSource.public: N_("Member of the public"),
    TipSource.media: N_("Media"),
    TipSource.hotline: N_("Hotline"),
    TipSource.other: N_("Other"),
}


class TipState(str, enum.Enum):
    """Where a tip is in triage."""

    new = "new"  # 新线索
    screened = "screened"  # 已初核
    handed_over = "handed_over"  # 已转办
    verified = "verified"  # 查证属实
    unfounded = "unfounded"  # 查证不实
    closed = "closed"  # 已办结


STATE_LABELS = {
    TipState.new: N_("New"),
    TipState.screened: N_("Screened"),
    TipState.handed_over: N_("Handed over"),
    TipState.verified: N_("Verified"),
    TipState.unfounded: N_("Unfounded"),
    TipState.closed: N_("Closed"),
}

# Categories of the State Council's online supervision platform (互联网+督查).
CATEGORY_LABELS = {
    "not_implemented": N_("Policy not carried out"),
    "inaction": N_("Inaction"),
    "slow_action": N_("Slow action"),
    "arbitrary_action": N_("Arbitrary action"),
    "other": N_("Other"),
}


class MessageKind(str, enum.Enum):
    """Who wrote a message on a tip, and who may read it."""

    staff_reply = "staff_reply"  # to the tipster
    unit_answer = "unit_answer"  # the responsible unit's answer; the tipster sees it
    tipster_info = "tipster_info"  # more information from the tipster
    note = "note"  # internal, staff only


PUBLIC_MESSAGE_KINDS = frozenset({MessageKind.staff_reply, MessageKind.unit_answer, MessageKind.tipster_info})

MESSAGE_LABELS = {
    MessageKind.staff_reply: N_("Reply from supervision staff"),
    MessageKind.unit_answer: N_("Answer from the responsible unit"),
    MessageKind.tipster_info: N_("Further information from the tipster"),
    MessageKind.note: N_("Internal note"),
}


class LinkStatus(str, enum.Enum):
    """A link's standing: proposed by the linker, or decided by staff."""

    suggested = "suggested"
    confirmed = "confirmed"
    rejected = "rejected"


class TipCluster(Base):
    """Near-identical tips about the same problem (社会关注度: size and independent sources)."""

    __tablename__ = "tips_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sources: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TipFeed(Base):
    """An RSS or Atom news feed that staff asked ``duban tick`` to poll."""

    __tablename__ = "tips_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    home_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    items_added: Mapped[int] = mapped_column(Integer, default=0)

    home_unit: Mapped[Unit] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        if not scope.can("tips.triage"):
            return false()
        return scope.unit_clause(cls.home_unit_id, action)


class Tip(Base):
    """One report about policies not carried out, inaction, slow or arbitrary action."""

    __tablename__ = "tips"
    __table_args__ = (Index("ix_tips_state_due", "state", "answer_due"),)
    # The tipster's contact, the receipt's hash and the origin's digests stay out of the audit
    # trail's readable copy.
    __audit_mask__ = ("contact", "receipt_hash", "form_digest", "browser_digest")

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(120), unique=True)
    source: Mapped[TipSource] = mapped_column(Enum(TipSource, native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(1000), default="")
    region_code: Mapped[str] = mapped_column(String(6), default="")
    place: Mapped[str] = mapped_column(String(300), default="")  # where, in the tipster's words
    unit_named: Mapped[str] = mapped_column(String(200), default="")  # the unit, as the tipster named it
    category: Mapped[str] = mapped_column(String(40), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A public tip's origin, as digests that tell two tips from one form or one browser apart
    # and nothing more (see clustering.independent_sources): the rendered form's key, the browser's cookie.
    form_digest: Mapped[str | None] = mapped_column(String(64))
    browser_digest: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[TipState] = mapped_column(Enum(TipState, native_enum=False, length=20), default=TipState.new)
    # "verified" or "unfounded" once decided; kept when the tip is closed.
    outcome: Mapped[str] = mapped_column(String(20), default="")
    received_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The supervising unit that holds the tip; its staff (and those above) handle it.
    home_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The best current guess, or the staff's decision, of what the tip concerns.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    handed_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    handed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handed_at: Mapped[datetime | None]
    answer_due: Mapped[date | None]
    answered_at: Mapped[datetime | None]
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("tips_clusters.id"), index=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("tips_feeds.id", ondelete="SET NULL"))

    home_unit: Mapped[Unit] = relationship(foreign_keys=[home_unit_id])
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    matter: Mapped[Matter | None] = relationship()
    handed_unit: Mapped[Unit | None] = relationship(foreign_keys=[handed_unit_id])
    cluster: Mapped[TipCluster | None] = relationship()
    events: Mapped[list[TipEvent]] = relationship(back_populates="tip", order_by="TipEvent.id",
                                                  cascade="all, delete-orphan")
    messages: Mapped[list[TipMessage]] = relationship(back_populates="tip", order_by="TipMessage.id",
                                                      cascade="all, delete-orphan")
    attachments: Mapped[list[TipAttachment]] = relationship(back_populates="tip", order_by="TipAttachment.id",
                                                            cascade="all, delete-orphan")
    links: Mapped[list[TipLink]] = relationship(back_populates="tip", order_by="TipLink.id",
                                                cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Tip {self.ref} {self.state.value}>"

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Staff see tips held in their subtree; a unit sees the tips handed over to it."""
        if scope.is_admin:
            return true()
        units = scope.unit_ids(action)
        handed_to_me = cls.handed_unit_id.in_(units)
        if scope.can("tips.triage") or (action == "read" and scope.can("tips.view")):
            if action == "write":
                return cls.home_unit_id.in_(units)
            return or_(cls.home_unit_id.in_(units), handed_to_me)
        if scope.can("tips.answer"):
            return handed_to_me
        return false()

    @classmethod
    def answer_overdue(cls, today: date) -> ColumnElement[bool]:
        """Handed over, not answered, and the date to answer by has passed."""
        return and_(cls.state == TipState.handed_over, cls.answered_at.is_(None), cls.answer_due < today)

    def is_answer_overdue(self, today: date) -> bool:
        """:meth:`answer_overdue` for this tip."""
        return (self.state == TipState.handed_over and self.answered_at is None
                and self.answer_due is not None and self.answer_due < today)

    @property
    def display_title(self) -> str:
        """A one-line title: the headline of a news item, else the start of the text."""
        if self.title:
            return self.title
        first = " ".join(self.text.split())
        return first if len(first) <= 40 else first[:39] + "…"


class TipEvent(Base):
    """A change of a tip's state, shown to staff and (without names) to the tipster."""

    __tablename__ = "tips_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    state_from: Mapped[str] = mapped_column(String(20), default="")
    state_to: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120), default="")

    tip: Mapped[Tip] = relationship(back_populates="events")

    @property
    def state_label(self) -> str:
        """The msgid naming the state the tip moved to."""
        return STATE_LABELS[TipState(self.state_to)]

    @property
    def actor_label(self) -> Message:
        """Who moved the tip, as staff read it (see :func:`actor_message`)."""
        return actor_message(self.actor)


def actor_message(actor: str) -> Message:
    """An event's recorded actor in words: the public form, a news feed, the API, the demo, or a user's name.

    Actors are stored as short keys (``public``, ``feed:3``, ``alice (api)``) so that the
    history reads the same in every language; they are put into words only when shown.
    """
    if actor == "public":
        return message("The public, through the online form")
    if actor == "demo":
        return message("Demo data")
    if actor.startswith("feed:") and actor[5:].isdigit():
        return message("News feed no. %(number)s", number=actor[5:])
    if actor.endswith(" (api)"):
        return message("%(user)s, through the API", user=actor[: -len(" (api)")])
    return Message("%(user)s", {"user": actor})  # a user's name: no words to translate


class TipMessage(Base):
    """A reply, an answer, more information from the tipster, or an internal note."""

    __tablename__ = "tips_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MessageKind] = mapped_column(Enum(MessageKind, native_enum=False, length=20))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    tip: Mapped[Tip] = relationship(back_populates="messages")
    unit: Mapped[Unit | None] = relationship()

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_MESSAGE_KINDS


class TipAttachment(Base):
    """A photo or file sent with a tip, stored under the instance folder."""

    __tablename__ = "tips_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tip: Mapped[Tip] = relationship(back_populates="attachments")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        return cls.tip_id.in_(select(Tip.id).where(Tip.__scope__(scope, action)))

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TipLink(Base):
    """A tip's link to a matter or a unit, with the linker's score and the staff's decision."""

    __tablename__ = "tips_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(10))  # "matter" or "unit"
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[LinkStatus] = mapped_column(Enum(LinkStatus, native_enum=False, length=20),
                                               default=LinkStatus.suggested)
    origin: Mapped[str] = mapped_column(String(10), default="linker")  # "linker" or "staff"
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    tip: Mapped[Tip] = relationship(back_populates="links")
    unit: Mapped[Unit | None] = relationship()
    matter: Mapped[Matter | None] = relationship()
