"""The hotline's page and matter panel, as staff and a county's officer see them."""
from __future__ import annotations

from core.access.models import Role


def _orders(runner, files):
    rows = [f"H-1,{files.when(10)},990102,投诉,东湖街道老旧小区加装电梯停工,A1,不满意,{files.when(3)}",
            f"H-2,{files.when(8)},990202,投诉,城关区小区加装电梯停工半年,B1,,",
            f"H-3,{files.when(6)},990202,举报,工地拖欠农民工工资,B1,,"]
    result = runner.invoke(args=["import", "hotline_orders", files.csv(rows)])
    assert result.exit_code == 0, result.output


def test_staff_see_every_order_and_the_matter_panel(client, auth, runner, db_session, org, ledger, files):
    _orders(runner, files)
    auth.login("staff")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/hotline/"' in home and "12345热线" in home
    page = client.get("/hotline/").get_data(as_text=True)
    assert "共3件工单。" in page and "H-1" in page and "H-3" in page and "不满意" in page
    assert client.get("/hotline/?category=report").get_data(as_text=True).count("<tr>") == 2  # header and H-3
    panel = client.get(f"/ledger/matters/{ledger.lifts.id}").get_data(as_text=True)
    assert 'id="hotline-panel"' in panel and "河东区" in panel.split('id="hotline-panel"')[1]
    client.post("/lang", data={"lang": "en"})
    english = client.get("/hotline/").get_data(as_text=True)
    assert "3 orders." in english and "Dissatisfied" in english and "12345 hotline orders" in english


def test_a_countys_officer_sees_only_orders_about_their_county(client, auth, runner, db_session, org, ledger, files):
    _orders(runner, files)
    org.user("east", Role.unit_officer, org.county_a1)
    auth.login("east")
    page = client.get("/hotline/").get_data(as_text=True)
    assert "H-1" in page and "H-2" not in page and "H-3" not in page
    assert client.get(f"/hotline/?unit={org.county_b1.id}").get_data(as_text=True).count("H-2") == 0
    assert client.get("/imports/hotline_orders").status_code == 403
