"""``matters`` imports: one row per task, whole file or nothing, re-import changes nothing; export round-trips."""
from __future__ import annotations

from sqlalchemy import func, select

from core.hooktypes import ImportContext, Importer
from core.i18n import translator
from core.intake import run_import
from core.ledger.export import export_xlsx
from core.ledger.importer import import_matters
from core.ledger.models import Matter, Task
from core.ledger.queries import LedgerFilter

IMPORTER = Importer("matters", "Matters", import_matters)
HEADER = "事项编号,事项名称,类别,来源,任务,牵头单位,配合单位,完成时限,报送频次\n"
GOOD = (HEADER
        + "M-10,农村饮水安全,交办事项,国督查〔2026〕3号,完成管网改造,A1,P-EDU；A2,2026-09-30,每月\n"
        + "M-10,农村饮水安全,交办事项,国督查〔2026〕3号,解决季节性缺水,A2,,2026-08-31,once\n"
        + "M-11,新增就业,work_report,2026年政府工作报告,新增就业6000人,B1,,2026-12-31,quarterly\n").encode()


def _run(session, data, dry_run=False, user_id=None):
    return run_import(session, IMPORTER, data, "ledger.csv",
                      ImportContext(actor="tests", dry_run=dry_run, user_id=user_id))


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_rows_sharing_a_code_form_one_matter_and_reimport_changes_nothing(db_session, org):
    report = _run(db_session, GOOD)
    assert report.ok, report.render(translator("en"))
    assert (report.created, _count(db_session, Matter), _count(db_session, Task)) == (3, 2, 3)
    again = _run(db_session, GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    task = db_session.scalar(select(Task).where(Task.description == "完成管网改造"))
    assert sorted(c.unit.code for c in task.co_units) == ["A2", "P-EDU"]


def test_dry_run_writes_nothing(db_session, org):
    assert _run(db_session, GOOD, dry_run=True).ok
    assert _count(db_session, Task) == 0


def test_bad_rows_are_reported_row_by_row_and_nothing_is_written(db_session, org):
    bad = (HEADER
           + "M-20,事项一,meeting,,任务一,NOPE,,2026-09-30,once\n"
           + "M-20,事项一,meeting,,任务二,A1,,2026-02-30,once\n"
           + "M-20,事项一,meeting,,任务三,A1,,2026-09-30,once\n"
           + "M-20,事项一,meeting,,任务三,A1,,2026-09-30,once\n"
           + "M-21,事项二,meeting,,任务四,A2,,2026-09-30,once\n").encode()
    report = _run(db_session, bad)
    lines = report.render(translator("en")).splitlines()
    assert [error.line for error in report.errors] == [2, 3, 5]
    assert "NOPE" in lines[0] and "does not exist" in lines[1] and "row 4" in lines[2]
    assert _count(db_session, Matter) == 0 and _count(db_session, Task) == 0


def test_an_officer_cannot_import_into_a_sibling_county(db_session, org):
    from core.access.models import Role

    officer = org.user("east", Role.supervisor, org.county_a1)
    data = (HEADER + "M-30,事项,other,,任务,A2,,2026-09-30,once\n").encode()
    report = _run(db_session, data, user_id=officer.id)
    assert not report.ok and report.errors[0].column == "lead_unit"


def test_the_export_imports_again_unchanged(db_session, org):
    from datetime import date

    from core.access.models import Role
    from core.access.scope import Scope

    _run(db_session, GOOD)
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    workbook = export_xlsx(Scope(db_session, staff), LedgerFilter(), date(2026, 3, 1))
    again = _run(db_session, workbook)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_formula_cells_are_escaped_in_the_export(db_session, org):
    import io
    from datetime import date

    from openpyxl import load_workbook

    from core.access.models import Role
    from core.access.scope import Scope

    hostile = (HEADER + 'M-40,"=HYPERLINK(""http://x"")",other,,任务,A1,,2026-09-30,once\n').encode()
    assert _run(db_session, hostile).ok
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    sheet = load_workbook(io.BytesIO(export_xlsx(Scope(db_session, staff), LedgerFilter(), date(2026, 3, 1)))).active
    assert sheet["B2"].value.startswith("'=")
    assert sheet["B2"].data_type == "s"


def _exported(db_session, org, gettext=None):
    import io
    from datetime import date

    from openpyxl import load_workbook

    from core.access.models import Role, User
    from core.access.scope import Scope

    staff = db_session.scalar(select(User).where(User.username == "staff")) or \
        org.user("staff", Role.supervisor, org.province, head=True)
    kwargs = {"gettext": gettext} if gettext else {}
    data = export_xlsx(Scope(db_session, staff), LedgerFilter(), date(2026, 3, 1), **kwargs)
    return data, load_workbook(io.BytesIO(data)).active


def test_the_export_names_kinds_units_and_cadences_beside_their_codes(db_session, org):
    assert _run(db_session, GOOD).ok
    _data, sheet = _exported(db_session, org, translator("zh_CN"))
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    row = next(r for r in rows if r["任务"] == "完成管网改造")
    assert (row["类别"], row["类别名称"]) == ("assignment", "交办事项")
    assert (row["牵头单位"], row["牵头单位名称"]) == ("A1", "河东区")
    assert (row["配合单位"], row["配合单位名称"]) == ("A2; P-EDU", "河西区; 省教育厅")
    assert (row["报送频次"], row["报送频次名称"]) == ("monthly", "每月")
    assert header.index("类别名称") == header.index("类别") + 1  # beside the codes
    assert header.index("牵头单位名称") == header.index("牵头单位") + 1


def test_the_export_with_names_imports_again_unchanged_and_exports_the_same(db_session, org):
    assert _run(db_session, GOOD).ok
    data, sheet = _exported(db_session, org, translator("zh_CN"))
    before = [[c.value for c in row] for row in sheet.iter_rows()]
    again = _run(db_session, data)
    assert again.ok, again.render(translator("en"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    _data, sheet = _exported(db_session, org, translator("zh_CN"))
    assert [[c.value for c in row] for row in sheet.iter_rows()] == before


def test_the_export_has_a_frozen_filtered_header_and_readable_widths(db_session, org):
    assert _run(db_session, GOOD).ok
    _data, sheet = _exported(db_session, org)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}4"
    header = [c.value for c in sheet[1]]
    width = {name: sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width for i, name in enumerate(header)}
    assert width["任务"] >= 30 and width["事项名称"] >= 20 and width["类别"] >= 8
