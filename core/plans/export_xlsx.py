"""A work plan as a workbook: its items with their progress and output, and the plan's summary.

Written with :mod:`core.spreadsheets`, so every text cell is safe against formula injection
and the header row is frozen and filtered; headers and labels in the reader's language.
"""
from __future__ import annotations

from datetime import date

from core.i18n import Gettext
from core.ledger.models import SUPERVISION_METHOD_LABELS, SupervisionMethod
from core.plans.models import PLAN_STATE_LABELS, PROGRESS_LABELS, ItemProgress, PlanItem, WorkPlan
from core.plans.tracking import ItemOutput, PlanSummary
from core.spreadsheets import OfficeWorkbook


def plan_period(plan: WorkPlan, gettext: Gettext) -> str:
    """``2026`` or ``2026, quarter 2`` in the reader's language."""
    if plan.quarter is None:
        return gettext("%(year)s, the whole year") % {"year": plan.year}
    return gettext("%(year)s, quarter %(number)s") % {"year": plan.year, "number": plan.quarter}


def item_row(position: int, item: PlanItem, output: ItemOutput, gettext: Gettext) -> list[object]:
    """One item as a row of the export (also the .docx's table)."""
    status = item.drop_reason if item.progress == ItemProgress.dropped else item.progress_note
    return [position, item.title, "；".join(m.code for m in item.matters),
            gettext(SUPERVISION_METHOD_LABELS[item.method]), item.unit.name, item.lead.label if item.lead else "",
            item.start_on, item.end_on, item.visit_budget, gettext(PROGRESS_LABELS[item.progress]), status,
            len(output.rounds), output.visits_done, output.outcomes, output.problems,
            "；".join(c.title for c in output.circulars), "；".join(t.title for t in output.topics)]


def item_header(gettext: Gettext) -> list[str]:
    return [gettext("No."), gettext("What is supervised"), gettext("Matters"), gettext("Way of supervision"),
            gettext("Responsible office"), gettext("Lead"), gettext("Starts on"), gettext("Ends on"),
            gettext("Budget of visits"), gettext("Progress"), gettext("Progress note or reason dropped"),
            gettext("Review rounds"), gettext("Visits made"), gettext("On-site outcomes"), gettext("Problems found"),
            gettext("Circulars"), gettext("Research topics")]


def summary_rows(plan: WorkPlan, summary: PlanSummary, gettext: Gettext) -> list[tuple[str, object]]:
    """The plan's figures as (label, value) pairs, in the order leaders read them."""
    rows: list[tuple[str, object]] = [
        (gettext("Plan"), plan.title), (gettext("Plan period"), plan_period(plan, gettext)),
        (gettext("State"), gettext(PLAN_STATE_LABELS[plan.state])), (gettext("Items"), summary.items)]
    rows += [(gettext(PROGRESS_LABELS[progress]), summary.by_progress.get(progress, 0)) for progress in ItemProgress]
    rows += [(gettext(SUPERVISION_METHOD_LABELS[method]), count) for method, count in summary.by_method.items()
             if method in SupervisionMethod]
    rows += [(gettext("Items past their end and not done"), len(summary.overdue)),
             (gettext("Budget of visits"), summary.visit_budget), (gettext("Visits made"), summary.visits_done),
             (gettext("Review rounds"), summary.rounds), (gettext("On-site outcomes"), summary.outcomes),
             (gettext("Problems found"), summary.problems), (gettext("Circulars"), summary.circulars),
             (gettext("Research topics"), summary.topics)]
    return rows


def plan_xlsx(plan: WorkPlan, items: list[PlanItem], outputs: dict[int, ItemOutput], summary: PlanSummary,
              gettext: Gettext, today: date) -> bytes:
    """The plan as .xlsx bytes: a sheet of items, a sheet of figures (and the year-end summary)."""
    book = OfficeWorkbook()
    header = item_header(gettext)
    sheet = book.sheet(gettext("Plan items"), header, widths={header[1]: 40, header[10]: 40, header[15]: 30,
                                                             header[16]: 30})
    for position, item in enumerate(items, start=1):
        sheet.append(item_row(position, item, outputs.get(item.id, ItemOutput()), gettext))
    figures = book.sheet(gettext("Summary"), [gettext("Figure"), gettext("Value")],
                         widths={gettext("Figure"): 30, gettext("Value"): 40})
    for label, value in summary_rows(plan, summary, gettext):
        figures.append([label, value])
    figures.append([gettext("As of"), today])
    if plan.summary:
        figures.append([gettext("Year-end summary"), plan.summary])
    return book.to_bytes()
