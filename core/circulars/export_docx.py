"""A circular as a Word document in the layout of Chinese official documents (GB/T 9704).

The layout is :mod:`core.documents.official`'s: the issuing unit's name in red
as the masthead, the document number (文号) under it above a red rule, the title,
the opening, the numbered sections (the ranking table, the units commended and
criticised, the answers received) in the order they occur, the closing, then the
issuing unit and the date; page numbers in the footer.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from core.circulars.models import Circular, ExplanationState, Verdict
from core.circulars.rankings import measure_figure, measure_label
from core.documents.official import (
    BODY_FONT,
    HEADING_FONT,
    RED,
    SIZE_TABLE,
    TITLE_FONT,
    OfficialDocument,
    add_paragraph,
    red_rule,
    set_run_font,
)
from core.documents.wording import clause
from core.hooktypes import SignalKind
from core.i18n import Gettext, message


def circular_docx(circular: Circular, gettext: Gettext, kinds: Mapping[str, SignalKind] | None = None,
                  issued_on: date | None = None) -> bytes:
    """The circular as .docx bytes: masthead, number, title, body, ranking table, signature, date."""
    kinds = kinds or {}
    official = OfficialDocument(gettext)
    document = official.document
    owner = circular.owner_unit.name
    add_paragraph(document, owner + gettext("Supervision circular masthead"), font=TITLE_FONT, size=Pt(36),
                  align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED)
    number = official.paragraph(circular.number or gettext("(draft, not numbered)"),
                                align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    red_rule(number)
    official.paragraph(indent=False)
    official.title(circular.title)
    official.paragraph(indent=False)
    for line in circular.intro.splitlines():
        if line.strip():
            official.paragraph(line.strip())

    official.heading(gettext("Ranking in the period"))
    _ranking_table(official, circular, gettext, kinds)
    for verdict, heading in ((Verdict.commend, gettext("Units commended")),
                             (Verdict.criticise, gettext("Units criticised"))):
        entries = [e for e in circular.entries if e.verdict == verdict]
        if entries:
            official.heading(heading)
            for entry in entries:
                official.paragraph(entry.text)
    for line in circular.closing.splitlines():
        if line.strip():
            official.paragraph(line.strip())
    answered = [e for e in circular.explanations if e.state in (ExplanationState.submitted, ExplanationState.accepted)]
    if answered:
        official.heading(gettext("Reasons and improvement plans received"))
        for explanation in answered:
            official.paragraph(message("%(unit)s: reasons: %(reasons)s; improvement plan: %(plan)s.",
                                       unit=explanation.unit.name, reasons=clause(explanation.reasons),
                                       plan=clause(explanation.plan)).render(gettext))
    day = issued_on or (circular.published_at.date() if circular.published_at else date.today())
    official.signature(owner, day)
    return official.to_bytes()


def _measures(circular: Circular) -> list[str]:
    return [name for name, weight in circular.weights.items() if weight]


def ranking_headers(circular: Circular, gettext: Gettext, kinds: Mapping[str, SignalKind]) -> list[str]:
    """Column titles of the ranking: rank, unit, the overall score, then each weighted measure's figure."""
    return [gettext("Rank"), gettext("Unit"), gettext("Overall score (points)")] + [
        gettext(measure_label(n, kinds)) for n in _measures(circular)]


def ranking_rows(circular: Circular, kinds: Mapping[str, SignalKind]) -> list[list[str]]:
    """The ranking's cells as text, in the order of :func:`ranking_headers`: under each measure, the
    unit's own figure (a count, a share, an amount), not the points it earned."""
    measures = _measures(circular)
    rows = []
    for ranking in circular.rankings:
        cells = [str(ranking.rank), ranking.unit.name, f"{ranking.score:.1f}"]
        for name in measures:
            measure = ranking.measures.get(name)
            cells.append("—" if measure is None else measure_figure(name, measure["value"], kinds))
        rows.append(cells)
    return rows


def _ranking_table(official: OfficialDocument, circular: Circular, gettext: Gettext,
                   kinds: Mapping[str, SignalKind]) -> None:
    headers = ranking_headers(circular, gettext, kinds)
    table = official.document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        set_run_font(cell.paragraphs[0].add_run(text), HEADING_FONT, SIZE_TABLE)
    for row in ranking_rows(circular, kinds):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            set_run_font(cell.paragraphs[0].add_run(text), BODY_FONT, SIZE_TABLE)
