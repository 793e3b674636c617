"""The circular as a proofread official document (GB/T 9704), read back with python-docx."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from docx import Document
from docx.oxml.ns import qn

from core.circulars.drafting import DraftRequest, generate_circular
from core.circulars.export_docx import circular_docx
from core.circulars.workflow import publish_circular
from core.documents.official import OfficialDocument, chinese_number, document_date, heading_marker
from core.documents.wording import clause, join_clauses
from core.i18n import translator
from core.review.models import ReviewOutcome

zh = translator("zh_CN")
en = translator("en")
DOUBLED = re.compile(r"[。．.！？；，、：]{2,}|[。；，]\s*[。；，]")


def _draft(province, today, *, commend=3, weights=None):
    request = DraftRequest(title="关于危房改造进展情况的通报", start=today - timedelta(days=30), end=today,
                           weights=weights or {"on_time": 1.0, "confirmed_problems": 1.0}, commend=commend)
    return generate_circular(province.scope(province.staff), request, today, [], zh)


def _confirm(db_session, province, today, unit, findings):
    for text in findings:
        db_session.add(ReviewOutcome(unit_id=unit.id, visited_on=today - timedelta(days=2), problem_found=True,
                                     findings=text))
    db_session.flush()


def _document(circular, gettext=zh, day=None):
    return Document(io.BytesIO(circular_docx(circular, gettext, issued_on=day)))


def test_headings_are_numbered_in_the_order_the_sections_occur(province, today):
    circular = publish_circular(province.scope(province.staff), _draft(province, today, commend=0).id, today)
    document = _document(circular)
    headings = [p.text for p in document.paragraphs if p.runs and
                p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"]
    # Nobody is commended: the criticised units are the second section, not the third.
    assert headings == ["一、排名情况", "二、批评单位"]


def test_sentences_built_from_typed_findings_have_no_doubled_punctuation(province, db_session, today):
    _confirm(db_session, province, today, province.org.county_a2, ["主体工程尚未完工。", "资金拨付进度明显偏低。"])
    circular = _draft(province, today)
    [criticism] = [e.text for e in circular.entries if e.unit_id == province.org.county_a2.id]
    assert "尚未完工" in criticism and "明显偏低" in criticism
    assert not DOUBLED.search(criticism), criticism
    for paragraph in _document(circular).paragraphs:
        assert not DOUBLED.search(paragraph.text), paragraph.text


def test_ranking_shows_counts_under_count_headers_and_labels_the_score(province, db_session, today):
    _confirm(db_session, province, today, province.org.county_a2, [f"问题{i}" for i in range(15)])
    circular = _draft(province, today)
    [table] = _document(circular).tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["排名", "单位", "综合得分", "按时完成率", "实地核查确认问题"]
    west = next(row for row in rows if row[1] == province.org.county_a2.name)
    east = next(row for row in rows if row[1] == province.org.county_a1.name)
    assert west[3:] == ["0.0%", "15"]
    assert east[3:] == ["100.0%", "0"]


def test_dates_are_written_in_chinese_and_pages_are_numbered_in_the_footer(province, today):
    circular = publish_circular(province.scope(province.staff), _draft(province, today).id, today)
    document = _document(circular, day=today)
    texts = [p.text for p in document.paragraphs]
    assert texts[-1] == f"{today.year}年{today.month}月{today.day}日"
    start = today - timedelta(days=30)
    assert f"{start.year}年{start.month}月{start.day}日" in circular.intro
    assert not re.search(r"\d{4}-\d{2}-\d{2}", "\n".join(texts))
    for footer in (document.sections[0].footer, document.sections[0].even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in "".join(t.text or "" for t in footer._element.iter(qn("w:instrText")))
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
    assert document.settings.odd_and_even_pages_header_footer


def test_the_layout_names_the_standard_fonts_with_fallbacks_and_margins():
    document = OfficialDocument(zh)
    document.heading("总体情况")
    document.heading("进度", level=2)
    document.heading("资金", level=3)
    document.heading("拨付", level=4)
    document.heading("下拨", level=4)
    document.heading("存在问题")
    document.heading("整改", level=2)
    read = Document(io.BytesIO(document.to_bytes()))
    assert [p.text for p in read.paragraphs] == [
        "一、总体情况", "（一）进度", "1.资金", "（1）拨付", "（2）下拨", "二、存在问题", "（一）整改"]
    assert [p.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) for p in read.paragraphs[:4]] == [
        "黑体", "楷体_GB2312", "仿宋_GB2312", "仿宋_GB2312"]
    section = read.sections[0]
    assert (round(section.top_margin.cm, 1), round(section.left_margin.cm, 1)) == (3.7, 2.8)
    font_table = next(r.target_part for r in read.part.rels.values() if r.reltype.endswith("/fontTable"))
    assert "仿宋_GB2312".encode() in font_table.blob and b'w:altName w:val="' in font_table.blob


def test_wording_helpers_and_numbers():
    assert clause(" 尚未完工。 ") == "尚未完工"
    assert join_clauses(["明显偏低。", "", "尚未完工；"], "；") == "明显偏低；尚未完工"
    assert [chinese_number(n) for n in (1, 3, 10, 11, 20, 99)] == ["一", "三", "十", "十一", "二十", "九十九"]
    assert heading_marker(1, 2, en) == "II. " and heading_marker(1, 2, zh) == "二、"
    from datetime import date

    assert document_date(date(2026, 12, 6), zh) == "2026年12月6日"
    assert document_date(date(2026, 12, 6), en) == "6 December 2026"
