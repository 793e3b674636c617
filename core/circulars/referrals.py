"""Accountability referrals (责任追究移送): facts and evidence handed to the supervisory organ.

Staff prepare a referral from a task where a problem was confirmed (an on-site
review, sent-back reports, outside evidence). The evidence is captured as it
stood that day (the task's reports and timeline, review outcomes, signals from
every source), so later changes do not rewrite what was referred. The referral
then moves draft → sent → accepted → concluded (or declined), each step in its
history.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from core import clock
from core.access.scope import Scope
from core.circulars.labels import REFERRAL_STATE_LABELS
from core.circulars.models import REFERRAL_MOVES, Referral, ReferralEvent, ReferralState
from core.circulars.problems import review_outcome_model
from core.documents.official import HEADING_FONT, SIZE_2, TITLE_FONT, add_paragraph, chinese_date
from core.errors import InvalidTransition, ValidationError
from core.i18n import Gettext
from core.ledger.attachments import clean_filename, stored_path
from core.ledger.models import Task, TaskEvent
from core.ledger.report_models import Attachment, ProgressReport
from core.signals import Signal

MAX_TEXT = 50_000


def gather_evidence(scope: Scope, task: Task) -> dict[str, Any]:
    """The task's reports, timeline, review outcomes and the unit's signals, as plain data."""
    session = scope.session
    reports = list(session.scalars(select(ProgressReport).where(ProgressReport.task_id == task.id)
                                   .order_by(ProgressReport.submitted_at, ProgressReport.id)))
    events = list(session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)
                                  .order_by(TaskEvent.at, TaskEvent.id)))
    signals = list(session.scalars(
        select(Signal).where(Signal.unit_id == task.unit_id, scope.clause(Signal),
                             or_(Signal.matter_id.is_(None), Signal.matter_id == task.matter_id))
        .order_by(Signal.observed_on.desc(), Signal.id).limit(200)))
    evidence: dict[str, Any] = {
        "task": {"id": task.id, "matter_code": task.matter.code, "matter_title": task.matter.title,
                 "unit_code": task.unit.code, "unit_name": task.unit.name, "description": task.description,
                 "deadline": task.deadline.isoformat(), "state": task.state.value,
                 "returned_count": task.returned_count, "delay_reason": task.delay_reason},
        "reports": [{"id": r.id, "submitted_at": r.submitted_at.isoformat(), "text": r.text,
                     "percent_done": r.percent_done, "review_state": r.review_state.value,
                     "review_comment": r.review_comment,
                     "attachments": [{"id": a.id, "filename": a.filename, "sha256": a.sha256} for a in r.attachments]}
                    for r in reports],
        "events": [{"at": e.at.isoformat(), "kind": e.kind.value, "note": e.note} for e in events],
        "signals": [{"source": s.source, "kind": s.kind, "value": s.value, "observed_on": s.observed_on.isoformat(),
                     "ref": s.ref} for s in signals],
        "reviews": _reviews(scope, task),
    }
    return evidence


def _reviews(scope: Scope, task: Task) -> list[dict[str, Any]]:
    model = review_outcome_model()
    if model is None:
        return []
    rows = scope.session.scalars(select(model).where(model.unit_id == task.unit_id, scope.clause(model))
                                 .order_by(model.visited_on))
    found = []
    for row in rows:
        if getattr(row, "matter_id", task.matter_id) not in (None, task.matter_id):
            continue
        found.append({"visited_on": row.visited_on.isoformat(), "problem_found": bool(row.problem_found),
                      "severity": str(getattr(row, "severity", "") or ""),
                      "notes": str(getattr(row, "findings", "") or getattr(row, "notes", "") or "")})
    return found


def prepare_referral(scope: Scope, task_id: int, *, title: str, organ: str, facts: str) -> Referral:
    """A draft referral about the task's unit, with the evidence as it stands today."""
    scope.require("referrals.manage")
    task = scope.get(Task, task_id)
    owner = scope.unit
    if owner is None:
        raise ValidationError("Your account has no unit, so it cannot refer a case.")
    if not title.strip() or not facts.strip():
        raise ValidationError("A referral needs a title and the facts.")
    if len(facts) > MAX_TEXT:
        raise ValidationError("The text is too long.")
    referral = Referral(owner_unit_id=owner.id, unit_id=task.unit_id, task_id=task.id, title=title.strip(),
                        organ=organ.strip(), facts=facts.strip(), evidence=gather_evidence(scope, task),
                        created_by_id=scope.user.id if scope.user else None)
    scope.session.add(referral)
    scope.session.flush()
    scope.session.add(ReferralEvent(referral_id=referral.id, state=ReferralState.draft,
                                    actor_id=referral.created_by_id, note=""))
    scope.session.flush()
    return referral


def move_referral(scope: Scope, referral_id: int, to: ReferralState, *, note: str = "") -> Referral:
    """Move a referral one step (sent, accepted, concluded, declined) and record it."""
    referral = scope.get(Referral, referral_id, "write")
    if to not in REFERRAL_MOVES[referral.state]:
        raise InvalidTransition("A referral cannot move from %(from)s to %(to)s.",
                                **{"from": referral.state.value, "to": to.value})
    if to in (ReferralState.concluded, ReferralState.declined) and not note.strip():
        raise ValidationError("Record the organ's decision.")
    referral.state = to
    if to in (ReferralState.concluded, ReferralState.declined):
        referral.outcome = note.strip()
    scope.session.add(ReferralEvent(referral_id=referral.id, state=to, note=note.strip(),
                                    actor_id=scope.user.id if scope.user else None))
    scope.session.flush()
    return referral


def referral_docx(referral: Referral, gettext: Gettext, today: date) -> bytes:
    """The referral letter (移送函) with its facts, evidence list and history, as .docx bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    add_paragraph(document, referral.title, font=TITLE_FONT, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if referral.organ:
        add_paragraph(document, referral.organ + "：", indent=False)
    for line in referral.facts.splitlines():
        if line.strip():
            add_paragraph(document, line.strip())
    evidence = referral.evidence or {}
    task = evidence.get("task", {})
    add_paragraph(document, gettext("Evidence"), font=HEADING_FONT)
    add_paragraph(document, f"{task.get('matter_code', '')} {task.get('matter_title', '')} · "
                         f"{task.get('unit_name', '')} · {task.get('deadline', '')}")
    report_label, review_label = gettext("Progress report"), gettext("On-site review")
    for report in evidence.get("reports", []):
        add_paragraph(document, f"{clock.local_text(report['submitted_at'])[:10]} {report_label}：{report['text']} "
                                f"（{report['percent_done']}%，{report['review_state']}）")
    for review in evidence.get("reviews", []):
        add_paragraph(document, f"{review['visited_on']} {review_label}：{review['notes']}")
    for signal in evidence.get("signals", [])[:50]:
        add_paragraph(document, f"{signal['observed_on']} {signal['source']}/{signal['kind']} = {signal['value']:g}")
    add_paragraph(document, gettext("History"), font=HEADING_FONT)
    for event in evidence.get("events", []):
        add_paragraph(document, f"{clock.local_text(event['at'])} {event['kind']} {event['note']}")
    for step in referral.events:
        add_paragraph(document, f"{clock.local_text(step.at)} {gettext(REFERRAL_STATE_LABELS[step.state])} {step.note}")
    add_paragraph(document, referral.owner_unit.name, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    add_paragraph(document, chinese_date(today), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def referral_bundle(scope: Scope, referral: Referral, gettext: Gettext, today: date,
                    attachment_folder: str) -> bytes:
    """One ZIP: the referral letter (.docx), the evidence as JSON, and the reports' attached files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("referral.docx", referral_docx(referral, gettext, today))
        bundle.writestr("evidence.json", json.dumps(referral.evidence, ensure_ascii=False, indent=2))
        ids = [a["id"] for r in (referral.evidence or {}).get("reports", []) for a in r.get("attachments", [])]
        # Files are re-read through the scope: a file the user may no longer see stays out.
        allowed = scope.filter_ids(Attachment, ids)
        for attachment in scope.session.scalars(select(Attachment).where(Attachment.id.in_(allowed))
                                                .order_by(Attachment.id)):
            path = stored_path(attachment_folder, attachment.storage_name)
            if os.path.exists(path):
                bundle.write(path, f"attachments/{attachment.id}-{clean_filename(attachment.filename)}")
    return out.getvalue()
