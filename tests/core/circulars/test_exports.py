"""The circular as a Word document in the official layout and as XLSX tables."""
from __future__ import annotations

import io
from datetime import timedelta

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from core.circulars.drafting import DraftRequest, generate_circular
from core.circulars.export_docx import circular_docx
from core.circulars.export_xlsx import circular_xlsx
from core.circulars.workflow import publish_circular
from core.documents.official import document_date


def identity(text: str) -> str:
    return text


def _published(province, today):
    request = DraftRequest(title="关于危房改造进展情况的通报", start=today - timedelta(days=30), end=today,
                           weights={"on_time": 1.0})
    circular = generate_circular(province.scope(province.staff), request, today, [], identity)
    return publish_circular(province.scope(province.staff), circular.id, today)


def test_docx_has_number_title_ranking_table_signature_and_date(province, today):
    circular = _published(province, today)
    document = Document(io.BytesIO(circular_docx(circular, identity, issued_on=today)))
    texts = [p.text for p in document.paragraphs]
    assert f"示督通〔{today.year}〕1号" in texts
    title = next(p for p in document.paragraphs if p.text == "关于危房改造进展情况的通报")
    fonts = title.runs[0]._element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body = next(p for p in document.paragraphs if "2 still overdue" in p.text)
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert texts[-2:] == ["示范省", document_date(today, identity)]
    [table] = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:3] == ["Rank", "Unit", "Overall score (points)"]
    assert [row[1] for row in rows[1:]] == ["河东区", "城关区", "河西区"]
    assert rows[1][2] == "100.0"


def test_xlsx_holds_the_ranking_and_neutralises_formulas(province, db_session, today):
    province.org.county_a2.name = "=HYPERLINK(\"http://x\")"
    db_session.flush()
    circular = _published(province, today)
    workbook = load_workbook(io.BytesIO(circular_xlsx(circular, identity)))
    ranking = list(workbook["Ranking"].iter_rows(values_only=True))
    assert ranking[0][:4] == ("Rank", "Unit", "Overall score (points)", "On-time completion (points)")
    assert [row[1] for row in ranking[1:]][-1].startswith("'=")
    named = list(workbook["Units named"].iter_rows(values_only=True))
    assert {row[2] for row in named[1:]} == {"Commended", "Criticised"}
    answers = list(workbook["Explanations"].iter_rows(values_only=True))
    assert answers[1][0] == "A2"
