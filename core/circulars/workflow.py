"""A circular's life: edited as a draft, published to the units concerned, answered by those criticised.

Every function takes the user's :class:`Scope`, loads what it changes through
it (another unit's records are "not found"), and writes in the caller's
transaction.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from core.access.scope import Scope
from core.circulars.models import (
    EXPLANATION_OPEN,
    Circular,
    CircularEntry,
    CircularState,
    Explanation,
    ExplanationState,
    Verdict,
)
from core.db import utcnow
from core.errors import InvalidTransition, ValidationError
from core.i18n import message
from core.notify import notify
from core.webhooks import emit

DEFAULT_NUMBER_PREFIX = "示督通"
MAX_TEXT = 20_000


def circular_link(circular: Circular) -> str:
    """The path of a circular's page (for notifications)."""
    return f"/circulars/{circular.id}"


def _draft(scope: Scope, circular_id: int) -> Circular:
    circular = scope.get(Circular, circular_id, "write")
    if circular.state != CircularState.draft:
        raise InvalidTransition("This circular is published and can no longer be changed.")
    return circular


def update_circular(scope: Scope, circular_id: int, *, title: str, number: str, intro: str, closing: str,
                    explanation_days: int) -> Circular:
    """Change a draft's title, number, opening and closing paragraphs."""
    circular = _draft(scope, circular_id)
    if not title.strip():
        raise ValidationError("A circular needs a title.")
    if not 1 <= explanation_days <= 90:
        raise ValidationError("Units are given 1 to 90 days to explain.")
    if len(intro) > MAX_TEXT or len(closing) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    circular.title, circular.number = title.strip(), number.strip()
    circular.intro, circular.closing = intro.strip(), closing.strip()
    circular.explanation_days = explanation_days
    return circular


def update_entry(scope: Scope, entry_id: int, *, text: str, verdict: Verdict | None = None) -> CircularEntry:
    """Rewrite one paragraph of a draft (and, if given, whether it commends or criticises)."""
    entry = _entry(scope, entry_id)
    if not text.strip():
        raise ValidationError("A paragraph cannot be empty; remove it instead.")
    if len(text) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    entry.text = text.strip()
    if verdict is not None:
        entry.verdict = verdict
    return entry


def remove_entry(scope: Scope, entry_id: int) -> Circular:
    """Take one paragraph out of a draft; returns its circular."""
    entry = _entry(scope, entry_id)
    circular = entry.circular
    scope.session.delete(entry)
    scope.session.flush()
    return circular


def _entry(scope: Scope, entry_id: int) -> CircularEntry:
    entry = scope.session.get(CircularEntry, int(entry_id))
    if entry is None:
        from core.errors import NotFound

        raise NotFound("Not found.")
    _draft(scope, entry.circular_id)  # the circular's scope decides
    return entry


def next_number(scope: Scope, owner_unit_id: int, year: int, prefix: str = DEFAULT_NUMBER_PREFIX) -> str:
    """The next document number for the issuing unit in ``year``, e.g. 示督通〔2026〕5号."""
    published = scope.session.scalar(
        select(func.count(Circular.id)).where(Circular.owner_unit_id == owner_unit_id,
                                              Circular.state == CircularState.published,
                                              Circular.number.like(f"{prefix}〔{year}〕%"))) or 0
    return f"{prefix}〔{year}〕{published + 1}号"


def publish_circular(scope: Scope, circular_id: int, today: date,
                     number_prefix: str = DEFAULT_NUMBER_PREFIX) -> Circular:
    """Publish a draft: number it, demand answers from criticised units, tell every ranked unit."""
    circular = _draft(scope, circular_id)
    if not circular.entries and not circular.rankings:
        raise ValidationError("An empty circular cannot be published.")
    if not circular.number:
        circular.number = next_number(scope, circular.owner_unit_id, today.year, number_prefix)
    circular.state = CircularState.published
    circular.published_at = utcnow()
    circular.published_by_id = scope.user.id if scope.user else None
    circular.explanation_due = today + timedelta(days=circular.explanation_days)
    criticised = {e.unit_id for e in circular.entries if e.verdict == Verdict.criticise}
    for unit_id in sorted(criticised):
        scope.session.add(Explanation(circular_id=circular.id, unit_id=unit_id, due=circular.explanation_due))
    scope.session.flush()
    link = circular_link(circular)
    for unit_id in sorted({r.unit_id for r in circular.rankings} | criticised):
        if unit_id in criticised:
            body = message("Your unit is criticised in \"%(title)s\". Submit its reasons and improvement plan "
                           "by %(due)s.", title=circular.title, due=circular.explanation_due.isoformat())
        else:
            body = message("\"%(title)s\" has been published; it ranks your unit.", title=circular.title)
        notify(scope.session, key=f"circular:{circular.id}:published:{unit_id}",
               subject=message("Circular %(number)s: %(title)s", number=circular.number, title=circular.title),
               body=body, link=link, unit_id=unit_id)
    emit(scope.session, "circular.published", {
        "id": circular.id, "number": circular.number, "title": circular.title, "link": link,
        "commended": sorted(e.unit.code for e in circular.entries if e.verdict == Verdict.commend),
        "criticised": sorted(e.unit.code for e in circular.entries if e.verdict == Verdict.criticise),
        "explanation_due": circular.explanation_due.isoformat(),
    })
    return circular


def submit_explanation(scope: Scope, explanation_id: int, *, reasons: str, plan: str,
                       now: datetime | None = None) -> Explanation:
    """The criticised unit gives its reasons and improvement plan (原因及改进意见)."""
    scope.require("circulars.explain")
    explanation = scope.get(Explanation, explanation_id, "write")
    if explanation.state not in EXPLANATION_OPEN:
        raise InvalidTransition("This explanation was already submitted.")
    if not reasons.strip() or not plan.strip():
        raise ValidationError("Give both the reasons and the improvement plan.")
    if len(reasons) > MAX_TEXT or len(plan) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    explanation.reasons, explanation.plan = reasons.strip(), plan.strip()
    explanation.state = ExplanationState.submitted
    explanation.submitted_at = now or utcnow()
    explanation.submitted_by_id = scope.user.id if scope.user else None
    circular = explanation.circular
    staff = [uid for uid in (circular.published_by_id, circular.created_by_id) if uid]
    notify(scope.session, key=f"explanation:{explanation.id}:submitted:{explanation.submitted_at.isoformat()}",
           subject=message("Explanation received: %(unit)s", unit=explanation.unit.name),
           body=message("%(unit)s answered the circular \"%(title)s\".", unit=explanation.unit.name,
                        title=circular.title),
           link=circular_link(circular), user_ids=staff)
    return explanation


def review_explanation(scope: Scope, explanation_id: int, *, accept: bool, comment: str = "",
                       extra_days: int = 7, today: date | None = None) -> Explanation:
    """Staff accept an explanation, or send it back with a comment and a new due date."""
    explanation = scope.get(Explanation, explanation_id)
    scope.get(Circular, explanation.circular_id, "write")  # only the issuing unit's staff review
    if explanation.state != ExplanationState.submitted:
        raise InvalidTransition("Only a submitted explanation can be reviewed.")
    if not accept and not comment.strip():
        raise ValidationError("Say why the explanation is sent back.")
    explanation.state = ExplanationState.accepted if accept else ExplanationState.returned
    explanation.review_comment = comment.strip()
    explanation.reviewed_at = utcnow()
    if not accept:
        explanation.due = (today or date.today()) + timedelta(days=extra_days)
        notify(scope.session, key=f"explanation:{explanation.id}:returned:{explanation.reviewed_at.isoformat()}",
               subject=message("Explanation sent back: %(title)s", title=explanation.circular.title),
               body=message("Answer again by %(due)s: %(comment)s", due=explanation.due.isoformat(),
                            comment=explanation.review_comment),
               link=circular_link(explanation.circular), unit_id=explanation.unit_id)
    return explanation
