"""What the tips plugin gives the shared linker (:mod:`core.linking`): a tip's text and the tips staff confirmed."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import linking
from core.linking import LinkIndex
from plugins.media_tips.models import LinkStatus, Tip, TipLink


def confirmed_examples(session: Session) -> list[tuple[int, str]]:
    """``(matter id, text)`` of every tip staff confirmed for a matter: staff decisions teach the linker."""
    return [(matter_id, text) for matter_id, text in session.execute(
        select(TipLink.matter_id, Tip.text).join(Tip, Tip.id == TipLink.tip_id)
        .where(TipLink.target == "matter", TipLink.status == LinkStatus.confirmed, TipLink.matter_id.is_not(None))
        .order_by(TipLink.id)) if matter_id is not None]


def index_for(session: Session) -> LinkIndex:
    """The shared link index, taught the tips staff confirmed."""
    return linking.index_for(session, confirmed_examples(session))


def link_text(tip: Tip, unit_names: Iterable[str] = ()) -> str:
    """What the linker reads of a tip: headline, text, place and the unit as named."""
    return " ".join(part for part in (tip.title, tip.text, tip.place, tip.unit_named, *unit_names) if part)
