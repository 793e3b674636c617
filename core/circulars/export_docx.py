"""A circular as a Word document in the layout of Chinese official documents (GB/T 9704).

A4 with the standard margins; the issuing unit's name in red as the masthead,
the document number (文号) under it above a red rule; the title in 方正小标宋
(二号), the body in 仿宋 (三号) with two-character first-line indents and
28-point lines; headings in 黑体; the ranking table; the issuing unit and the
date, right-aligned, at the foot. Fonts are named, not embedded: offices have
them, and Word falls back to 宋体 where they do not.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from core.circulars.models import Circular, ExplanationState, Verdict
from core.circulars.rankings import measure_label
from core.hooktypes import SignalKind
from core.i18n import Gettext

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
FALLBACK_FONT = "宋体"
RED = RGBColor(0xC0, 0x00, 0x00)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四


def chinese_date(day: date) -> str:
    """``2026年3月10日``, as official documents write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def _run(paragraph: Paragraph, text: str, font: str, size: Pt, *, bold: bool = False,
         color: RGBColor | None = None) -> None:
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    # Word picks the East Asian font from w:eastAsia, not from w:ascii.
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hAnsi"), font)


def add_paragraph(document: DocxDocument, text: str = "", *, font: str = BODY_FONT, size: Pt = SIZE_3,
                  align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True, bold: bool = False,
                  color: RGBColor | None = None) -> Paragraph:
    """A paragraph in the official layout: fixed 28-point lines, a two-character first-line indent."""
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    if align is not None:
        paragraph.alignment = align
    if text:
        _run(paragraph, text, font, size, bold=bold, color=color)
    return paragraph


def _red_rule(paragraph: Paragraph) -> None:
    """A red line under ``paragraph`` (the masthead's separator)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def circular_docx(circular: Circular, gettext: Gettext, kinds: Mapping[str, SignalKind] | None = None,
                  issued_on: date | None = None) -> bytes:
    """The circular as .docx bytes: masthead, number, title, body, ranking table, signature, date."""
    kinds = kinds or {}
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FALLBACK_FONT)

    owner = circular.owner_unit.name
    add_paragraph(document, owner + gettext("Supervision circular masthead"), font=TITLE_FONT, size=Pt(36),
               align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED)
    number = add_paragraph(document, circular.number or gettext("(draft, not numbered)"),
                           align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _red_rule(number)
    add_paragraph(document, indent=False)
    add_paragraph(document, circular.title, font=TITLE_FONT, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER,
               indent=False)
    add_paragraph(document, indent=False)
    for line in circular.intro.splitlines():
        if line.strip():
            add_paragraph(document, line.strip())

    add_paragraph(document, gettext("1. Ranking"), font=HEADING_FONT)
    _ranking_table(document, circular, gettext, kinds)
    commended = [e for e in circular.entries if e.verdict == Verdict.commend]
    criticised = [e for e in circular.entries if e.verdict == Verdict.criticise]
    if commended:
        add_paragraph(document, gettext("2. Units commended"), font=HEADING_FONT)
        for entry in commended:
            add_paragraph(document, entry.text)
    if criticised:
        add_paragraph(document, gettext("3. Units criticised"), font=HEADING_FONT)
        for entry in criticised:
            add_paragraph(document, entry.text)
    for line in circular.closing.splitlines():
        if line.strip():
            add_paragraph(document, line.strip())
    answered = [e for e in circular.explanations if e.state in (ExplanationState.submitted, ExplanationState.accepted)]
    if answered:
        add_paragraph(document, gettext("Reasons and improvement plans received"), font=HEADING_FONT)
        for explanation in answered:
            add_paragraph(document, f"{explanation.unit.name}：{explanation.reasons} {explanation.plan}")

    add_paragraph(document, indent=False)
    add_paragraph(document, owner, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    day = issued_on or (circular.published_at.date() if circular.published_at else date.today())
    add_paragraph(document, chinese_date(day), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def ranking_headers(circular: Circular, gettext: Gettext, kinds: Mapping[str, SignalKind]) -> list[str]:
    """Column titles of the ranking: rank, unit, score, then each weighted measure."""
    measures = [name for name, weight in circular.weights.items() if weight]
    return [gettext("Rank"), gettext("Unit"), gettext("Score")] + [gettext(measure_label(n, kinds)) for n in measures]


def ranking_rows(circular: Circular) -> list[list[str]]:
    """The ranking's cells as text, in the order of :func:`ranking_headers`."""
    measures = [name for name, weight in circular.weights.items() if weight]
    rows = []
    for ranking in circular.rankings:
        cells = [str(ranking.rank), ranking.unit.name, f"{ranking.score:.1f}"]
        for name in measures:
            measure = ranking.measures.get(name)
            cells.append("—" if measure is None else f"{measure['points']:.1f}")
        rows.append(cells)
    return rows


def _ranking_table(document: DocxDocument, circular: Circular, gettext: Gettext,
                   kinds: Mapping[str, SignalKind]) -> None:
    headers = ranking_headers(circular, gettext, kinds)
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _run(cell.paragraphs[0], text, HEADING_FONT, SIZE_TABLE)
    for row in ranking_rows(circular):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _run(cell.paragraphs[0], text, BODY_FONT, SIZE_TABLE)
