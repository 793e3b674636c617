"""``duban import hotline_orders``: orders linked to units and matters; a bad file writes nothing."""
from __future__ import annotations

from datetime import date, timedelta

from duban_hotline.models import Category, Order, Satisfaction
from openpyxl import Workbook
from sqlalchemy import func, select


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(Order.id)))


def test_orders_are_linked_to_their_units_and_matters_and_a_re_import_changes_nothing(runner, db_session, org,
                                                                                        ledger, tmp_path, files):
    path = files.csv([
        f"H-1,{files.when(10)},990102,投诉,东湖街道老旧小区加装电梯停工三个月没人管,A1,不满意,{files.when(3)}",
        f"H-2,{files.when(8)},城关区,举报,工地老板跑了，农民工工资拖欠半年,,,",
        f"H-3,{files.when(5)},990103,咨询,请问医保怎么转移,,,",
    ])
    result = runner.invoke(args=["import", "hotline_orders", path], env={"DUBAN_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert "Created 3, updated 0" in result.output
    orders = {order.number: order for order in db_session.scalars(select(Order))}
    assert orders["H-1"].unit_id == org.county_a1.id and orders["H-1"].matter_id == ledger.lifts.id
    assert orders["H-1"].category == Category.complaint and orders["H-1"].satisfaction == Satisfaction.dissatisfied
    assert orders["H-2"].matter_id == ledger.wages.id and orders["H-2"].unit_id == org.county_b1.id
    assert orders["H-3"].matter_id is None and orders["H-3"].unit_id == org.county_a2.id  # the region's government
    again = runner.invoke(args=["import", "hotline_orders", path], env={"DUBAN_LANG": "en"})
    assert again.exit_code == 0 and _count(db_session) == 3
    assert "Created 0, updated 0, unchanged 3" in again.output


def test_an_xlsx_export_with_excel_time_cells_imports_too(runner, db_session, org, ledger, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "受理时间", "所属区域", "诉求类型", "诉求内容", "承办单位", "满意度", "办结时间"])
    received = (date.today() - timedelta(days=4)).isoformat() + " 08:00"
    from datetime import datetime

    sheet.append(["H-9", datetime.fromisoformat(received), "990202", "complaint", "城关区小区电梯装了一半停工",
                  "B1", "满意", datetime.fromisoformat(received) + timedelta(days=1)])
    path = tmp_path / "orders.xlsx"
    book.save(path)
    result = runner.invoke(args=["import", "hotline_orders", str(path)])
    assert result.exit_code == 0, result.output
    order = db_session.scalar(select(Order))
    assert order.unit_id == org.county_b1.id and order.matter_id == ledger.lifts.id
    assert order.closed_at is not None


def test_an_unknown_region_is_named_and_nothing_is_written(runner, db_session, org, ledger, tmp_path, files):
    path = files.csv([
        f"H-1,{files.when(10)},990102,投诉,东湖街道电梯停工,,,",
        f"H-2,{files.when(9)},990999,投诉,电梯停工,,,",
        f"H-3,{files.when(9)},东山区,投诉,电梯停工,,,",
    ])
    result = runner.invoke(args=["import", "hotline_orders", path], env={"DUBAN_LANG": "en"})
    assert result.exit_code != 0
    assert "No government of the unit tree covers the region 990999" in result.output
    assert "No government of the unit tree covers the region 东山区" in result.output
    assert _count(db_session) == 0


def test_bad_dates_are_named_and_nothing_is_written(runner, db_session, org, ledger, tmp_path, files):
    future = (date.today() + timedelta(days=2)).isoformat() + " 10:00"
    path = files.csv([
        f"H-1,{files.when(10)},990102,投诉,东湖街道电梯停工,,,",
        "H-2,2026-02-30 10:00,990102,投诉,电梯停工,,,",
        "H-3,昨天下午,990102,投诉,电梯停工,,,",
        f"H-4,{future},990102,投诉,电梯停工,,,",
        f"H-5,{files.when(3)},990102,投诉,电梯停工,,满意,{files.when(5)}",
    ])
    result = runner.invoke(args=["import", "hotline_orders", path], env={"DUBAN_LANG": "en"})
    assert result.exit_code != 0
    output = result.output
    assert "2026-02-30 10:00 is not a valid time" in output
    assert "昨天下午 is not a time; write times as YYYY-MM-DD HH:MM." in output
    assert "is in the future" in output
    assert "The order was closed before it was received." in output
    assert _count(db_session) == 0


def test_the_upload_page_checks_first_and_refuses_an_unknown_region_in_chinese(client, auth, db_session, org, ledger,
                                                                              tmp_path, files):
    import io

    auth.login("staff")
    data = (f"工单编号,受理时间,所属区域,诉求类型,诉求内容\nH-1,{files.when(2)},990999,投诉,电梯停工\n").encode()
    page = client.post("/imports/hotline_orders", data={"file": (io.BytesIO(data), "orders.csv")},
                       content_type="multipart/form-data", headers={"Accept-Language": "zh-CN"})
    text = page.get_data(as_text=True)
    assert "单位树中没有政府管辖区域“990999”" in text
    assert _count(db_session) == 0


def test_staff_of_a_city_may_not_import_orders_about_another_city(client, auth, db_session, org, ledger, files):
    import io

    from core.access.models import Role

    org.user("astaff", Role.supervisor, org.city_a, head=True)
    auth.login("astaff")
    data = f"工单编号,受理时间,所属区域,诉求类型,诉求内容\nH-1,{files.when(2)},990202,投诉,城关区电梯停工\n".encode()
    page = client.post("/imports/hotline_orders", data={"file": (io.BytesIO(data), "orders.csv")},
                       content_type="multipart/form-data")
    assert "工单H-1涉及城关区，不在您的单位范围内。" in page.get_data(as_text=True)
    assert _count(db_session) == 0
