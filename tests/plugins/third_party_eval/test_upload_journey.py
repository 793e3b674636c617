"""The evaluator's upload as an office lives it: every problem in one report, the template with names and
drop-downs, the batch named once, and the check listing what a new version changes."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from core.hooktypes import ImportContext
from core.intake import run_import
from core.plugins import importers
from plugins.third_party_eval.models import Batch, BatchState
from tests.plugins.third_party_eval.conftest import INSTITUTION, csv_file, line, upload
from tests.plugins.third_party_eval.test_import import GOOD, _confirm


def _problems(app, db_session, world, rows):
    with app.app_context():
        importer = importers(app.extensions["duban.plugins"])["evaluations"]
        report = run_import(db_session, importer, csv_file(rows), "s.csv",
                            ImportContext(actor="ev", dry_run=True, user_id=world.ev.id))
    return {(error.line, error.column) for error in report.errors}


def test_every_problem_of_every_row_is_reported_in_one_pass(app, db_session, world):
    rows = [line("A1", "Q1", 95),
            line("A1", "Q9", 120),  # a bad score does not hide the unknown indicator
            line("ZZ", "Q8", 50),  # nor does an unknown unit
            line("B1", "Q7", 50),  # nor a unit without a task in the matter
            line("A2", "Q6", 50, matter="M-WATER"),  # nor a matter the evaluator is not assigned to
            line("A2", "Q5", 50)]  # the row the earlier report left out
    problems = _problems(app, db_session, world, rows)
    assert problems == {(3, "score"), (3, "indicator"), (4, "unit_code"), (4, "indicator"), (5, "unit_code"),
                        (5, "indicator"), (6, "matter_code"), (7, "indicator")}


def test_the_batch_is_named_once_and_blank_cells_below_take_it(client, auth, db_session, world):
    auth.login("ev")
    rows = [line("A1", "Q1", 95), line("A1", "Q2", 70, batch=""), line("A2", "Q1", 60, batch=""),
            line("A2", "Q2", 85, batch="2026Q2"), line("A1", "Q1", 50, batch="")]
    page = upload(client, csv_file(rows)).get_data(as_text=True)
    assert 'id="confirm-import"' in page, page
    _confirm(client, page)
    batches = {b.code: b.rows for b in db_session.scalars(select(Batch))}
    assert batches == {"2026Q1": 3, "2026Q2": 2}
    nameless = upload(client, csv_file([line("A1", "Q1", 95, batch=""), line("A1", "Q2", 70, batch="")]))
    assert 'id="confirm-import"' not in nameless.get_data(as_text=True)  # the first row must name it


def _template(client):
    page = client.get("/evaluations/").get_data(as_text=True)
    href = re.search(r'href="(/evaluations/assignments/\d+/template.xlsx)"', page).group(1)
    return load_workbook(io.BytesIO(client.get(href).data))


def test_the_template_names_units_and_indicators_and_offers_drop_downs(client, auth, db_session, world):
    auth.login("ev")
    book = _template(client)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == ["评估机构", "评估批次", "事项编号", "事项名称", "单位代码", "单位名称", "指标代码", "指标名称",
                      "得分", "权重", "目标值", "评估日期", "评语"]
    rows = [dict(zip(header, [cell.value for cell in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {(r["单位代码"], r["单位名称"], r["指标代码"], r["指标名称"]) for r in rows} == {
        ("A1", "河东区", "Q1", "完成率"), ("A1", "河东区", "Q2", "满意度"),
        ("A2", "河西区", "Q1", "完成率"), ("A2", "河西区", "Q2", "满意度")}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:M5"
    assert sheet.column_dimensions["D"].width >= 20 and sheet.column_dimensions["M"].width >= 30
    lists = book["lists"]
    assert lists.sheet_state == "hidden"
    choices = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "list":
            column = str(validation.sqref).split(":")[0].rstrip("0123456789")
            letter = validation.formula1.split("!")[1].split(":")[0].strip("$").rstrip("0123456789$")
            choices[header[ord(column) - 65]] = [c.value for c in lists[letter][1:] if c.value is not None]
    assert choices == {"单位代码": ["A1", "A2"], "指标代码": ["Q1", "Q2"]}
    kinds = {validation.type for validation in sheet.data_validations.dataValidation}
    assert "decimal" in kinds  # scores out of 0-100 are refused as they are typed


def test_a_filled_template_with_the_batch_in_its_first_row_imports(client, auth, db_session, world):
    auth.login("ev")
    book = _template(client)
    sheet = book.worksheets[0]
    for index, row in enumerate(sheet.iter_rows(min_row=2), start=2):
        row[8].value = 80 + index  # 得分
        row[11].value = "2026-04-01"  # 评估日期
    sheet["B2"] = "2026Q1"
    out = io.BytesIO()
    book.save(out)
    page = upload(client, out.getvalue(), "template.xlsx").get_data(as_text=True)
    assert 'id="confirm-import"' in page, page
    _confirm(client, page)
    batch = db_session.scalars(select(Batch)).one()
    assert (batch.code, batch.rows, batch.institution.name) == ("2026Q1", 4, INSTITUTION)


def test_the_check_lists_what_a_new_version_would_change(client, auth, db_session, world):
    auth.login("ev")
    _confirm(client, upload(client, csv_file(GOOD)).get_data(as_text=True))
    corrected = [line("A1", "Q1", 95), line("A1", "Q2", 72, comment="复核后更正"), line("A2", "Q1", 60)]
    page = upload(client, csv_file(corrected)).get_data(as_text=True)
    assert 'id="confirm-import"' in page
    changes = re.search(r'<table class="list report-changes" id="changes">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", changes.split("<tbody>")[1])
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    assert ["3", "2026Q1 · 河东区 · Q2", "得分", "70.0", "72.0"] in cells
    assert ["3", "2026Q1 · 河东区 · Q2", "评语", "", "复核后更正"] in cells
    assert ["—", "2026Q1 · 河西区 · Q2", "得分", "85.0", "（删除）"] in cells  # left out of the new version
    assert len(cells) == 3
    assert "更新 1 条" in page or re.search(r"更新\s*1", page), page
    assert db_session.scalars(select(Batch)).one().state == BatchState.current  # only a check: nothing stored


def test_the_matter_page_heads_the_indicator_table_with_indicator_words(client, auth, db_session, world):
    auth.login("prov")
    page = client.get(f"/evaluations/matters/{world.roads.id}").get_data(as_text=True)
    head = re.search(r'<table class="list framework"><thead>(.*?)</thead>', page, re.S).group(1)
    assert "<th>指标名称</th>" in head and "<th>指标代码</th>" in head and "姓名" not in head
