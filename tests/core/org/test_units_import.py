"""``duban import units``: the hierarchy from a file, all rows or none."""
from __future__ import annotations

from sqlalchemy import func, select

from core.org.models import Unit, UnitLevel

GOOD = """code,name,parent_code,level,region_code
P,示范省,,province,990000
A,青山市,P,city,990100
A1,河东区,A,county,990102
A1-T1,东湖街道,A1,town,990102
P-EDU,省教育厅,P,department,990000
"""


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(Unit.id)))


def test_import_creates_the_hierarchy_and_reimport_changes_nothing(runner, tmp_path, db_session):
    path = tmp_path / "units.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    result = runner.invoke(args=["import", "units", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 5" in result.output
    town = db_session.scalar(select(Unit).where(Unit.code == "A1-T1"))
    assert town.level == UnitLevel.town and town.parent.code == "A1"
    assert town.path.count("/") == 5
    again = runner.invoke(args=["import", "units", str(path)])
    assert again.exit_code == 0 and "未变 5" in again.output


def test_chinese_headers_gbk_and_parents_after_children(runner, tmp_path, db_session):
    text = "单位代码,单位名称,上级单位代码,层级,行政区划代码\nA,青山市,P,市,990100\nP,示范省,,省,990000\n"
    path = tmp_path / "units.csv"
    path.write_bytes(text.encode("gb18030"))
    result = runner.invoke(args=["import", "units", str(path)])
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Unit).where(Unit.code == "A")).parent.code == "P"


def test_malformed_file_reports_every_bad_row_and_writes_nothing(runner, tmp_path, db_session):
    before = _count(db_session)
    bad = (
        "code,name,parent_code,level,region_code\n"
        "P,示范省,,province,990000\n"
        "A,青山市,P,city,99010\n"          # five digits
        "B,白水市,P,planet,990200\n"        # unknown level
        "C,云岭市,ZZ,city,990300\n"         # unknown parent
        "P,重复,,province,990000\n"         # duplicate code
        "D,外省市,P,city,880100\n"          # outside the parent's region
    )
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["import", "units", str(path)])
    assert result.exit_code == 1
    for row in ("第 3 行", "第 4 行", "第 5 行", "第 6 行", "第 7 行"):
        assert row in result.output, (row, result.output)
    assert "未导入任何数据" in result.output
    assert _count(db_session) == before


def test_dry_run_writes_nothing(runner, tmp_path, db_session):
    path = tmp_path / "units.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import", "units", str(path), "--dry-run"])
    assert result.exit_code == 0
    assert _count(db_session) == 0


def test_english_report_when_asked(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_LANG", "en")
    path = tmp_path / "bad.csv"
    path.write_text("code,name,level,region_code\nX,Nowhere,city,12\n", encoding="utf-8")
    result = runner.invoke(args=["import", "units", str(path)])
    assert result.exit_code == 1
    assert "Row 2" in result.output and "6 digits" in result.output


def test_unknown_kind_is_named(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    result = runner.invoke(args=["import", "nonsense", str(path)])
    assert result.exit_code == 2
    assert "units" in result.output
