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


def _import(runner, tmp_path, text: str):
    path = tmp_path / "units.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["import", "units", str(path)])


def test_an_instance_may_be_rooted_at_a_city(runner, tmp_path, db_session):
    result = _import(runner, tmp_path, "code,name,parent_code,level,region_code\n"
                                       "A,青山市,,city,990100\n"
                                       "A1,河东区,A,county,990102\n"
                                       "A-EDU,市教育局,A,department,990100\n")
    assert result.exit_code == 0, result.output
    city = db_session.scalar(select(Unit).where(Unit.code == "A"))
    assert city.parent is None and [child.code for child in city.children] == ["A-EDU", "A1"]


def test_an_instance_may_be_rooted_at_a_county(runner, tmp_path, db_session):
    result = _import(runner, tmp_path, "单位代码,单位名称,上级单位代码,层级,行政区划代码\n"
                                       "A1,河东区,,区,990102\n"
                                       "A1-T1,东湖街道,A1,街道,990102\n")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Unit).where(Unit.code == "A1-T1")).parent.code == "A1"


def test_a_town_or_a_department_cannot_stand_at_the_top(runner, tmp_path, db_session):
    result = _import(runner, tmp_path, "code,name,parent_code,level,region_code\n"
                                       "T,东湖街道,,town,990102\n"
                                       "D,教育局,,department,990100\n")
    assert result.exit_code == 1
    assert result.output.count("该层级的单位须有上级单位") == 2, result.output
    assert _count(db_session) == 0


def test_children_of_a_refused_row_name_it_instead_of_a_cycle(runner, tmp_path, db_session):
    result = _import(runner, tmp_path, "code,name,parent_code,level,region_code\n"
                                       "P,示范省,,province,990000\n"
                                       "X,外省市,P,city,880100\n"        # outside the province: refused
                                       "X1,某区,X,county,880102\n"        # its child
                                       "X1-T,某街道,X1,town,880102\n"     # and grandchild
                                       "Y,云岭市,P,city,99030\n"          # a bad cell: refused on reading
                                       "Y1,某县,Y,county,990302\n")
    assert result.exit_code == 1
    assert "循环" not in result.output, result.output
    lines = result.output.splitlines()

    def said(row: int) -> str:
        return " ".join(line for line in lines if f"第 {row} 行" in line)

    assert "X" in said(4) and "第 3 行" in said(4), result.output
    assert "X1" in said(5) and "第 4 行" in said(5), result.output
    assert "Y" in said(7) and "第 6 行" in said(7), result.output
    assert _count(db_session) == 0


def test_a_true_cycle_is_still_called_one(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_LANG", "en")
    result = _import(runner, tmp_path, "code,name,parent_code,level,region_code\n"
                                       "A,Qingshan,B,city,990100\n"
                                       "B,Baishui,A,city,990200\n")
    assert result.exit_code == 1
    assert result.output.count("cycle of parents") == 2, result.output


NO_LEVEL = "code,name,parent_code,region_code\nA3,河中区,A,990104\nA4,,A,990105\n"


def test_a_file_without_the_level_column_is_refused_with_a_message_on_the_command_line(runner, tmp_path, org,
                                                                                       db_session):
    before = _count(db_session)
    path = tmp_path / "units.csv"
    path.write_text(NO_LEVEL, encoding="utf-8")
    result = runner.invoke(args=["import", "units", str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "层级" in result.output and "缺少" in result.output, result.output
    assert "第 3 行" in result.output  # the blank name of row 3 is still reported, row by row
    assert _count(db_session) == before


def test_a_file_without_the_level_column_is_refused_on_the_web_page(client, auth, org, db_session):
    import io

    from core.access.models import Role

    before = _count(db_session)
    org.user("chief", Role.admin)
    auth.login("chief")
    response = client.post("/imports/units", data={"file": (io.BytesIO(NO_LEVEL.encode()), "units.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 400, 422)
    page = response.get_data(as_text=True)
    assert "层级" in page and "缺少" in page
    assert _count(db_session) == before
