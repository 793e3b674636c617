"""A tip's life: intake, linking, triage, hand-over, the unit's answer, replies.

new → screened → handed over (with a date to answer by) → verified / unfounded → closed.
Every function writes in the caller's transaction and never commits.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.access.models import User
from core.db import utcnow
from core.errors import InvalidTransition, ValidationError
from core.i18n import N_, message
from core.ledger.models import Matter
from core.notify import notify
from core.org.models import Unit, UnitLevel
from core.webhooks import emit
from plugins.media_tips import receipts
from plugins.media_tips.clustering import cluster_tip, refresh_cluster
from plugins.media_tips.linking import index_for, link_text
from plugins.media_tips.models import (
    CATEGORY_LABELS,
    STATE_LABELS,
    LinkStatus,
    MessageKind,
    Tip,
    TipEvent,
    TipLink,
    TipMessage,
    TipSource,
    TipState,
)

MAX_TEXT = 5000
# The linker's best guess becomes the tip's matter or unit only above these scores.
MATTER_GUESS_MIN = 0.12
UNIT_GUESS_MIN = 0.3

TRANSITIONS: dict[TipState, frozenset[TipState]] = {
    TipState.new: frozenset({TipState.screened, TipState.unfounded}),
    TipState.screened: frozenset({TipState.handed_over, TipState.verified, TipState.unfounded}),
    TipState.handed_over: frozenset({TipState.verified, TipState.unfounded}),
    TipState.verified: frozenset({TipState.closed}),
    TipState.unfounded: frozenset({TipState.closed}),
    TipState.closed: frozenset(),
}


@dataclass(frozen=True)
class NewTip:
    """What a tip says, from whichever door it came in."""

    source: TipSource
    text: str
    title: str = ""
    url: str = ""
    region_code: str = ""
    place: str = ""
    unit_named: str = ""
    unit_id: int | None = None
    category: str = ""
    contact: str = ""
    received_on: date | None = None
    ref: str | None = None
    feed_id: int | None = None
    # A public tip's origin (web.plugin_api.FormToken): the rendered form's key and the browser's digest.
    form_digest: str | None = None
    browser_digest: str | None = None


def new_ref(today: date) -> str:
    """A fresh tip number such as ``T20260301-5F3A9C``."""
    return f"T{today:%Y%m%d}-{secrets.token_hex(3).upper()}"


def safe_url(url: str) -> str:
    """``url`` if it is an http(s) address, else nothing (a tip's link is shown as a link)."""
    url = (url or "").strip()[:1000]
    return url if urlsplit(url).scheme in ("http", "https") else ""


def home_unit_for(session: Session, region_code: str) -> Unit:
    """The supervising government for a region: the county, city or province with that code.

    Falls back to the top of the hierarchy when the region is unknown or not given.
    """
    if region_code:
        found = session.scalars(
            select(Unit).where(Unit.region_code == region_code, Unit.active.is_(True),
                               Unit.level.in_([UnitLevel.county, UnitLevel.city, UnitLevel.province]))
            .order_by(Unit.path)).first()
        if found is not None:
            return found
    root = session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()
    if root is None:
        raise ValidationError(N_("No units exist yet; a tip cannot be filed."))
    return root


def create_tip(session: Session, new: NewTip, *, actor: str, today: date,
               home_unit: Unit | None = None, with_receipt: bool = False) -> tuple[Tip, str | None]:
    """Store a tip, link it and cluster it; returns it and its receipt code (shown once).

    ``home_unit`` overrides the supervising unit found from the region.
    """
    text = (new.text or "").strip()
    if not text:
        raise ValidationError(N_("Please describe what happened."))
    if len(text) > MAX_TEXT:
        raise ValidationError(N_("The description is too long: at most %(limit)s characters."), limit=MAX_TEXT)
    if new.category and new.category not in CATEGORY_LABELS:
        raise ValidationError(N_("Unknown category."))
    code = receipts.new_code() if with_receipt else None
    tip = Tip(
        ref=new.ref or new_ref(today), source=new.source, title=new.title.strip()[:300], text=text,
        url=safe_url(new.url), region_code=new.region_code, place=new.place.strip()[:300],
        unit_named=new.unit_named.strip()[:200], category=new.category, contact=new.contact.strip()[:300],
        receipt_hash=receipts.digest(code) if code else None, state=TipState.new,
        received_on=new.received_on or today, feed_id=new.feed_id,
        form_digest=new.form_digest, browser_digest=new.browser_digest,
        home_unit_id=(home_unit or home_unit_for(session, new.region_code)).id, unit_id=new.unit_id,
    )
    session.add(tip)
    session.flush()
    session.add(TipEvent(tip_id=tip.id, state_to=TipState.new.value, actor=actor))
    relink(session, tip)
    cluster_tip(session, tip)
    # Subscribers learn that a tip arrived and where; what it says and who sent it stay here.
    emit(session, "tip.created", {"ref": tip.ref, "source": tip.source.value if hasattr(tip.source, "value")
                                  else tip.source, "category": tip.category, "region_code": tip.region_code,
                                  "received_on": tip.received_on.isoformat()})
    return tip, code


def relink(session: Session, tip: Tip, named_unit_id: int | None = None) -> None:
    """Replace the linker's suggestions for ``tip``; staff decisions are kept as they are."""
    decided = {(link.target, link.matter_id or link.unit_id) for link in tip.links
               if link.status != LinkStatus.suggested}
    session.execute(delete(TipLink).where(TipLink.tip_id == tip.id, TipLink.status == LinkStatus.suggested))
    session.expire(tip, ["links"])
    result = index_for(session).link(link_text(tip), region_code=tip.region_code,
                                     unit_id=named_unit_id or tip.unit_id)
    for rank, candidate in enumerate(result.matters, start=1):
        if ("matter", candidate.id) not in decided:
            session.add(TipLink(tip_id=tip.id, target="matter", matter_id=candidate.id,
                                score=candidate.score, rank=rank))
    for rank, candidate in enumerate(result.units, start=1):
        if ("unit", candidate.id) not in decided:
            session.add(TipLink(tip_id=tip.id, target="unit", unit_id=candidate.id,
                                score=candidate.score, rank=rank))
    session.flush()
    session.expire(tip, ["links"])
    settle_links(tip)


def settle_links(tip: Tip) -> None:
    """Set the tip's matter and unit: the staff's confirmed link, else a confident suggestion."""
    for target, minimum in (("matter", MATTER_GUESS_MIN), ("unit", UNIT_GUESS_MIN)):
        links = [link for link in tip.links if link.target == target]
        confirmed = [link for link in links if link.status == LinkStatus.confirmed]
        suggested = sorted((link for link in links if link.status == LinkStatus.suggested),
                           key=lambda link: -link.score)
        chosen = confirmed[-1] if confirmed else (
            suggested[0] if suggested and suggested[0].score >= minimum else None)
        value = None if chosen is None else (chosen.matter_id if target == "matter" else chosen.unit_id)
        if target == "matter":
            tip.matter_id = value
        else:
            tip.unit_id = value if value is not None or tip.handed_unit_id is None else tip.handed_unit_id


def decide_link(session: Session, tip: Tip, link: TipLink, status: LinkStatus, user: User) -> None:
    """Confirm or reject one link; confirming one matter (or unit) rejects the other suggestions."""
    if link.tip_id != tip.id:
        raise ValidationError(N_("This link belongs to another tip."))
    link.status, link.decided_by_id, link.decided_at = status, user.id, utcnow()
    if status == LinkStatus.confirmed:
        for other in tip.links:
            if other is not link and other.target == link.target and other.status != LinkStatus.rejected:
                other.status, other.decided_by_id, other.decided_at = LinkStatus.rejected, user.id, utcnow()
    session.flush()
    settle_links(tip)


def correct_link(session: Session, tip: Tip, *, user: User, matter: Matter | None = None,
                 unit: Unit | None = None) -> TipLink:
    """Staff say which matter (or unit) the tip concerns; the linker's guesses are set aside.

    The correction is kept: later relinking never overrides it, and the tip's text
    teaches the linker about the matter.
    """
    if matter is None and unit is None:
        raise ValueError("correct_link needs a matter or a unit")
    target = "matter" if matter is not None else "unit"
    existing = next((link for link in tip.links if link.target == target and
                     (link.matter_id == matter.id if matter is not None
                      else unit is not None and link.unit_id == unit.id)), None)
    if existing is None:
        existing = TipLink(tip_id=tip.id, target=target, matter_id=matter.id if matter else None,
                           unit_id=unit.id if unit else None, score=1.0, rank=0, origin="staff")
        session.add(existing)
        session.flush()
        session.expire(tip, ["links"])
    decide_link(session, tip, existing, LinkStatus.confirmed, user)
    return existing


def move(session: Session, tip: Tip, to: TipState, *, actor: str) -> None:
    """Move ``tip`` to ``to`` if triage allows it, recording the step for staff and tipster."""
    if to not in TRANSITIONS[tip.state]:
        raise InvalidTransition(N_("A tip that is %(state)s cannot become %(target)s."),
                                state=message(STATE_LABELS[tip.state]), target=message(STATE_LABELS[to]))
    session.add(TipEvent(tip_id=tip.id, state_from=tip.state.value, state_to=to.value, actor=actor))
    tip.state = to
    if to in (TipState.verified, TipState.unfounded):
        tip.outcome = to.value
    session.flush()


def hand_over(session: Session, tip: Tip, unit: Unit, *, due: date, user: User, today: date,
              link: str | None = None) -> int:
    """Hand ``tip`` to ``unit``, which must answer by ``due``; notifies the unit.

    Returns how many people were notified.
    """
    if due < today:
        raise ValidationError(N_("The date to answer by has already passed."))
    if tip.state == TipState.new:
        move(session, tip, TipState.screened, actor=user.username)
    move(session, tip, TipState.handed_over, actor=user.username)
    tip.handed_unit_id, tip.handed_by_id, tip.handed_at = unit.id, user.id, utcnow()
    tip.answer_due, tip.answered_at = due, None
    if not any(link.target == "unit" and link.status == LinkStatus.confirmed and link.unit_id == unit.id
               for link in tip.links):
        correct_link(session, tip, user=user, unit=unit)
    session.flush()
    return _notify(session, key=f"tips:{tip.id}:handed:{unit.id}:{due.isoformat()}",
                   subject=message(N_("Tip %(ref)s handed over to your unit"), ref=tip.ref),
                   body=message(N_("Please look into tip %(ref)s and answer by %(due)s."),
                                ref=tip.ref, due=due.isoformat()),
                   link=link, unit_id=unit.id)


def answer(session: Session, tip: Tip, body: str, *, user: User) -> TipMessage:
    """The responsible unit answers a tip handed over to it; the tipster will see the answer."""
    if tip.state != TipState.handed_over or tip.handed_unit_id is None:
        raise InvalidTransition(N_("Only a tip handed over to your unit can be answered."))
    posted = add_message(session, tip, MessageKind.unit_answer, body, user=user, unit_id=tip.handed_unit_id)
    tip.answered_at = utcnow()
    session.flush()
    if tip.handed_by_id is not None:
        _notify(session, key=f"tips:{tip.id}:answered:{posted.id}",
                subject=message(N_("Tip %(ref)s has been answered"), ref=tip.ref),
                body=message(N_("The responsible unit answered tip %(ref)s."), ref=tip.ref),
                user_ids=(tip.handed_by_id,))
    return posted


def add_message(session: Session, tip: Tip, kind: MessageKind, body: str, *, user: User | None = None,
                unit_id: int | None = None) -> TipMessage:
    """Add a reply, answer, note or more information from the tipster."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(N_("Please write something."))
    if len(body) > MAX_TEXT:
        raise ValidationError(N_("The description is too long: at most %(limit)s characters."), limit=MAX_TEXT)
    posted = TipMessage(tip_id=tip.id, kind=kind, body=body, author_id=user.id if user else None, unit_id=unit_id)
    session.add(posted)
    session.flush()
    session.expire(tip, ["messages"])
    return posted


def overdue_notices(session: Session, today: date) -> int:
    """Remind units whose answer is overdue (once per tip and due date); returns tips reminded."""
    overdue = list(session.scalars(select(Tip).where(Tip.answer_overdue(today))))
    for tip in overdue:
        assert tip.answer_due is not None and tip.handed_unit_id is not None  # noqa: S101  (the query's condition)
        _notify(session, key=f"tips:{tip.id}:overdue:{tip.answer_due.isoformat()}",
                subject=message(N_("The answer to tip %(ref)s is overdue"), ref=tip.ref),
                body=message(N_("Tip %(ref)s was to be answered by %(due)s."), ref=tip.ref,
                             due=tip.answer_due.isoformat()),
                unit_id=tip.handed_unit_id, user_ids=(tip.handed_by_id,) if tip.handed_by_id else ())
    return len(overdue)


def detach_from_cluster(session: Session, tip: Tip) -> None:
    """Take a tip out of its cluster (staff judged it a different problem)."""
    cluster = tip.cluster
    if cluster is None:
        return
    tip.cluster = None
    session.flush()
    refresh_cluster(session, cluster)


def _notify(session: Session, **kwargs: Any) -> int:
    return notify(session, **kwargs)
