"""``duban import reviews`` and ``duban import signals``: all rows or none, natural keys, refusals."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core import clock
from core.hooktypes import ImportContext
from core.intake import run_import
from core.plugins import importers
from core.review.models import ReviewOutcome
from core.signals import Signal


def _run(app, db_session, kind: str, text: str, name: str = "f.csv"):
    importer = importers(app.extensions["duban.plugins"])[kind]
    return run_import(db_session, importer, text.encode("utf-8"), name, ImportContext(actor="tests"))


def test_past_reviews_import_in_chinese_headers_and_again_changes_nothing(app, db_session, province):
    text = ("复核编号,单位代码,事项编号,复核日期,是否发现问题,严重程度,备注,选取方式\n"
            "R-1,A1,M-1,2025-11-03,是,严重,资金未到位,随机\n"
            "R-2,A2,M-1,2025-11-04,否,,,\n")
    report = _run(app, db_session, "reviews", text)
    assert report.ok and report.created == 2
    first = db_session.scalar(select(ReviewOutcome).where(ReviewOutcome.external_ref == "R-1"))
    assert first.problem_found and first.severity.value == "severe" and first.selection.value == "random"
    assert first.task_id == province.tasks[0].id
    assert db_session.scalar(select(func.count()).select_from(Signal).where(Signal.source == "review")) == 2
    again = _run(app, db_session, "reviews", text)
    assert again.ok and again.unchanged == 2


def test_a_bad_review_row_stops_the_whole_file(app, db_session, province):
    text = "review_id,unit_code,visited_on,problem_found\nR-1,A1,2025-11-03,1\nR-2,NOPE,2025-13-01,maybe\n"
    report = _run(app, db_session, "reviews", text)
    assert not report.ok
    assert {error.line for error in report.errors} == {3}
    assert db_session.scalar(select(func.count()).select_from(ReviewOutcome)) == 0


def test_signals_from_another_source_import_and_plugin_or_review_sources_are_refused(app, db_session, province):
    text = ("source,kind,unit_code,matter_code,value,observed_on,ref\n"
            "hotline_12345,complaints,A1,M-1,7,2026-01-05,h-1\n"
            "review,problem_found,A1,,1,2026-01-05,r-1\n")
    report = _run(app, db_session, "signals", text)
    assert not report.ok and [error.line for error in report.errors] == [3]
    report = _run(app, db_session, "signals", text.rsplit("review", 1)[0].rstrip("\n") + "\n")
    assert report.ok and report.created == 1
    signal = db_session.scalar(select(Signal).where(Signal.ref == "h-1"))
    assert signal.task_id == province.tasks[0].id and signal.value == 7


def _outcome(db_session, ref: str) -> ReviewOutcome:
    db_session.expire_all()
    return db_session.scalar(select(ReviewOutcome).where(ReviewOutcome.external_ref == ref))


def test_a_selection_probability_is_stored_and_a_file_without_the_column_keeps_it(app, db_session, province):
    text = ("复核编号,单位代码,事项编号,复核日期,是否发现问题,严重程度,选取方式,入选概率\n"
            "R-1,A1,M-1,2025-11-03,是,严重,随机,0.25\n"
            "R-2,A2,M-1,2025-11-04,否,,排序,1\n"
            "R-3,B1,M-1,2025-11-05,否,,人工,\n")
    with clock.frozen(date(2025, 12, 1)):
        report = _run(app, db_session, "reviews", text)
        assert report.ok and report.created == 3, report.errors
        assert [_outcome(db_session, ref).selection_probability for ref in ("R-1", "R-2", "R-3")] == [0.25, 1.0, None]
        again = _run(app, db_session, "reviews", text)
        assert again.ok and again.unchanged == 3
        # An older file without the column leaves the stored probabilities alone.
        older = ("review_id,unit_code,matter_code,visited_on,problem_found,severity,selection\n"
                 "R-1,A1,M-1,2025-11-03,1,severe,random\n")
        report = _run(app, db_session, "reviews", older)
        assert report.ok and report.unchanged == 1
        assert _outcome(db_session, "R-1").selection_probability == 0.25
        changed = text.replace("随机,0.25", "随机,0.5")
        report = _run(app, db_session, "reviews", changed)
        assert report.ok and report.updated == 1
        assert _outcome(db_session, "R-1").selection_probability == 0.5


def test_probabilities_outside_zero_to_one_and_unlikely_visit_dates_are_refused_row_by_row(
        app, db_session, province):
    text = ("review_id,unit_code,matter_code,visited_on,problem_found,selection,selection_probability\n"
            "R-1,A1,M-1,2025-11-03,0,random,0.5\n"
            "R-2,A1,M-1,2025-11-03,0,random,0\n"
            "R-3,A1,M-1,2025-11-03,0,random,1.5\n"
            "R-4,A1,M-1,2025-11-03,0,random,half\n"
            "R-5,A1,M-1,2025-12-02,0,random,\n"     # the day after the instance's today
            "R-6,A1,M-1,1989-12-31,0,random,\n"
            "R-7,A1,M-1,2025-11-31,0,random,\n")
    with clock.frozen(date(2025, 12, 1)):
        report = _run(app, db_session, "reviews", text)
    assert not report.ok
    assert sorted(error.line for error in report.errors) == [3, 4, 5, 6, 7, 8]
    by_line = {error.line: error for error in report.errors}
    assert {by_line[line].column for line in (3, 4, 5)} == {"selection_probability"}
    assert {by_line[line].column for line in (6, 7, 8)} == {"visited_on"}
    gettext = lambda msgid: msgid  # noqa: E731 - the English msgids are the English text
    assert "future" in by_line[6].render(gettext) and "1990" in by_line[7].render(gettext)
    assert db_session.scalar(select(func.count()).select_from(ReviewOutcome)) == 0
