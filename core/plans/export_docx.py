"""A work plan, and its year-end summary, as a Word document in the official layout (GB/T 9704).

The layout is :mod:`core.documents.official`'s, as for circulars: the title, then numbered
sections — the plan's items by way of supervision, a table of the items with their schedule,
office, lead and progress, what the items produced, the items dropped and why, and the
year-end summary once written — and the issuing unit with the date at the foot.
"""
from __future__ import annotations

from datetime import date

from docx.enum.table import WD_TABLE_ALIGNMENT

from core.documents.official import (
    BODY_FONT,
    HEADING_FONT,
    SIZE_TABLE,
    OfficialDocument,
    document_date,
    set_run_font,
)
from core.i18n import Gettext
from core.ledger.models import SUPERVISION_METHOD_LABELS
from core.plans.export_xlsx import plan_period
from core.plans.models import PLAN_STATE_LABELS, PROGRESS_LABELS, ItemProgress, PlanItem, PlanState, WorkPlan
from core.plans.tracking import ItemOutput, PlanSummary

TABLE_COLUMNS = 7


def _table(official: OfficialDocument, header: list[str], rows: list[list[str]]) -> None:
    table = official.document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        set_run_font(cell.paragraphs[0].add_run(text), HEADING_FONT, SIZE_TABLE)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = ""
            set_run_font(cell.paragraphs[0].add_run(text), BODY_FONT, SIZE_TABLE)


def plan_docx(plan: WorkPlan, items: list[PlanItem], outputs: dict[int, ItemOutput], summary: PlanSummary,
              gettext: Gettext, today: date) -> bytes:
    """The plan as .docx bytes; once the plan is published, with its progress and what it produced."""
    official = OfficialDocument(gettext)
    official.title(plan.title)
    official.paragraph()
    official.paragraph(gettext("Period: %(period)s. State: %(state)s. Items: %(count)s.") % {
        "period": plan_period(plan, gettext), "state": gettext(PLAN_STATE_LABELS[plan.state]),
        "count": summary.items})
    if plan.approved_by is not None and plan.approved_at is not None:
        official.paragraph(gettext("Approved by %(name)s on %(day)s.") % {
            "name": plan.approved_by.label, "day": document_date(plan.approved_at.date(), gettext)})

    official.heading(gettext("Items by way of supervision"))
    for method, count in summary.by_method.items():
        official.paragraph(gettext("%(method)s: %(count)s items.") % {
            "method": gettext(SUPERVISION_METHOD_LABELS[method]), "count": count})

    official.heading(gettext("The items"))
    header = [gettext("No."), gettext("What is supervised"), gettext("Way of supervision"),
              gettext("Responsible office"), gettext("Lead"), gettext("Schedule"), gettext("Progress")]
    rows = [[str(position), item.title + ("（" + "、".join(m.code for m in item.matters) + "）"),
             gettext(SUPERVISION_METHOD_LABELS[item.method]), item.unit.name, item.lead.label if item.lead else "",
             f"{item.start_on.isoformat()} — {item.end_on.isoformat()}", gettext(PROGRESS_LABELS[item.progress])]
            for position, item in enumerate(items, start=1)]
    _table(official, header, rows)
    for item in items:
        if item.requirement:
            official.paragraph(gettext("%(item)s: %(requirement)s") % {"item": item.title,
                                                                      "requirement": item.requirement})

    if plan.state == PlanState.published:
        official.heading(gettext("Progress and results"))
        official.paragraph(gettext(
            "Of %(count)s items, %(done)s are done, %(under_way)s under way, %(not_started)s not started and "
            "%(dropped)s dropped; %(overdue)s are past their end and not done.") % {
            "count": summary.items, "done": summary.by_progress.get(ItemProgress.done, 0),
            "under_way": summary.by_progress.get(ItemProgress.under_way, 0),
            "not_started": summary.by_progress.get(ItemProgress.not_started, 0),
            "dropped": summary.by_progress.get(ItemProgress.dropped, 0), "overdue": len(summary.overdue)})
        official.paragraph(gettext(
            "%(rounds)s review rounds made %(visits)s of %(budget)s visits budgeted, recording %(outcomes)s "
            "on-site outcomes of which %(problems)s found a problem; %(circulars)s circulars and %(topics)s "
            "research topics came of the items.") % {
            "rounds": summary.rounds, "visits": summary.visits_done, "budget": summary.visit_budget,
            "outcomes": summary.outcomes, "problems": summary.problems, "circulars": summary.circulars,
            "topics": summary.topics})
        for item in items:
            if item.progress_note and item.progress != ItemProgress.dropped:
                official.paragraph(gettext("%(item)s: %(requirement)s") % {"item": item.title,
                                                                          "requirement": item.progress_note})
        if summary.dropped:
            official.heading(gettext("Items dropped"))
            for item in summary.dropped:
                official.paragraph(gettext("%(item)s: %(requirement)s") % {"item": item.title,
                                                                          "requirement": item.drop_reason})
        if plan.summary:
            official.heading(gettext("Year-end summary"))
            for line in plan.summary.splitlines():
                if line.strip():
                    official.paragraph(line.strip())
    official.signature(plan.owner_unit.name, today)
    return official.to_bytes()
