"""Evaluators upload scores for their assignments only; batches are versioned, never overwritten."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from core.signals import Signal
from plugins.third_party_eval.models import Batch, BatchState, Score
from tests.plugins.third_party_eval.conftest import csv_file, line, upload

GOOD = [line("A1", "Q1", 95), line("A1", "Q2", 70), line("A2", "Q1", 60), line("A2", "Q2", 85)]


def _confirm(client, page):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/evaluations/upload/confirm", data={"token": token, "filename": "s.csv"}).get_data(as_text=True)


def _count(db_session, model):
    return db_session.scalar(select(func.count(model.id)))


def test_an_evaluator_checks_then_confirms_a_batch(client, auth, db_session, world):
    auth.login("ev")
    page = upload(client, csv_file(GOOD)).get_data(as_text=True)
    assert 'id="confirm-import"' in page and _count(db_session, Score) == 0
    _confirm(client, page)
    batch = db_session.scalars(select(Batch)).one()
    assert batch.state == BatchState.current and batch.rows == 4 and batch.uploaded_by_id == world.ev.id
    weights = {(s.unit.code, s.indicator): (s.weight, s.target) for s in batch.scores}
    assert weights[("A1", "Q1")] == (2.0, 90.0)  # from the framework when the file leaves them blank


def test_rows_for_a_matter_not_assigned_are_refused_and_nothing_is_written(client, auth, db_session, world):
    auth.login("ev")
    page = upload(client, csv_file(GOOD + [line("A1", "Q1", 50, matter="M-WATER")])).get_data(as_text=True)
    assert "M-WATER" in page and 'id="confirm-import"' not in page
    assert "未被指派" in page or "not assigned" in page
    auth.logout()
    auth.login("ev2")  # assigned only to county B1's part of M-WATER
    page = upload(client, csv_file([line("A1", "Q1", 50, matter="M-WATER"), line("B1", "Q1", 50, matter="M-WATER")])
                  ).get_data(as_text=True)
    assert 'id="confirm-import"' not in page
    assert _count(db_session, Score) == 0 and _count(db_session, Batch) == 0


def test_the_report_names_every_bad_row(client, auth, db_session, world):
    auth.login("ev")
    rows = [line("A1", "Q1", 101), line("A1", "Q9", 50), line("ZZ", "Q1", 50), line("A2", "Q1", 60, evaluator="别家"),
            line("A2", "Q2", 60, on="2026-13-01"), line("A2", "Q2", 61)]
    page = upload(client, csv_file(rows)).get_data(as_text=True)
    rows_reported = set(re.findall(r"<tr><td>(\d+)</td>", page))
    assert rows_reported == {"2", "3", "4", "5", "6"}
    errors = client.post("/evaluations/upload/errors.csv", data={"file": (io.BytesIO(csv_file(rows)), "s.csv")},
                         content_type="multipart/form-data")
    assert errors.mimetype == "text/csv" and errors.data.decode("utf-8-sig").count("\r\n") == 6


def test_the_same_file_again_changes_nothing_and_a_corrected_one_supersedes(client, auth, db_session, world):
    auth.login("ev")
    _confirm(client, upload(client, csv_file(GOOD)).get_data(as_text=True))
    again = _confirm(client, upload(client, csv_file(GOOD)).get_data(as_text=True))
    assert _count(db_session, Batch) == 1
    assert re.search(r"\b0\b.*\b0\b.*\b4\b", again)
    corrected = [line("A1", "Q1", 95), line("A1", "Q2", 72), line("A2", "Q1", 60), line("A2", "Q2", 85)]
    _confirm(client, upload(client, csv_file(corrected)).get_data(as_text=True))
    versions = {b.version: b for b in db_session.scalars(select(Batch))}
    assert versions[1].state == BatchState.superseded and versions[2].state == BatchState.current
    assert len(versions[1].scores) == 4  # the old version is kept
    listing = client.get("/evaluations/").get_data(as_text=True)
    assert 'class="superseded"' in listing and 'class="current"' in listing


def test_signals_weigh_scores_count_shortfalls_and_compare_with_self_reports(client, auth, db_session, world, org):
    auth.login("ev")
    _confirm(client, upload(client, csv_file(GOOD)).get_data(as_text=True))
    signals = {(s.unit_id, s.kind): s.value for s in db_session.scalars(
        select(Signal).where(Signal.source == "third_party_eval"))}
    a1 = (95 * 2 + 70) / 3
    assert round(signals[(org.county_a1.id, "weighted_score")], 2) == round(a1, 2)
    assert signals[(org.county_a1.id, "below_target")] == 1  # Q2 70 < 80
    assert signals[(org.county_a2.id, "below_target")] == 1  # Q1 60 < 90
    assert round(signals[(org.county_a2.id, "self_report_gap")], 2) == round(90 - (60 * 2 + 85) / 3, 2)


def test_evaluators_see_only_their_own_batches(client, auth, db_session, world):
    auth.login("ev")
    _confirm(client, upload(client, csv_file(GOOD)).get_data(as_text=True))
    batch = db_session.scalars(select(Batch)).one()
    assert client.get(f"/evaluations/batches/{batch.id}").status_code == 200
    auth.logout()
    auth.login("ev2")
    assert client.get(f"/evaluations/batches/{batch.id}").status_code == 404
    assert "2026Q1" not in client.get("/evaluations/").get_data(as_text=True)
    assert client.get(f"/evaluations/matters/{world.roads.id}").status_code == 403


def test_the_template_lists_every_unit_and_indicator_of_the_assignment(client, auth, db_session, world):
    from openpyxl import load_workbook

    auth.login("ev")
    page = client.get("/evaluations/").get_data(as_text=True)
    href = re.search(r'href="(/evaluations/assignments/\d+/template.xlsx)"', page).group(1)
    sheet = load_workbook(io.BytesIO(client.get(href).data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:9] == ["评估机构", "评估批次", "事项编号", "事项名称", "单位代码", "单位名称", "指标代码",
                           "指标名称", "得分"]
    assert {(r[4], r[6]) for r in rows[1:]} == {("A1", "Q1"), ("A1", "Q2"), ("A2", "Q1"), ("A2", "Q2")}
    other = db_session.scalar(select(func.max(Batch.id)))  # noqa: F841  (nothing uploaded yet)
    auth.logout()
    auth.login("ev2")
    assert client.get(href).status_code == 404


def test_an_xlsx_upload_works_like_csv(client, auth, db_session, world):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["evaluator", "batch", "matter_code", "unit_code", "indicator", "score", "evaluated_on"])
    sheet.append(["青山评估中心", "2026Q1", "M-ROAD", "A1", "Q1", 88.5, "2026-04-01"])
    out = io.BytesIO()
    workbook.save(out)
    auth.login("ev")
    page = upload(client, out.getvalue(), "s.xlsx").get_data(as_text=True)
    assert 'id="confirm-import"' in page
