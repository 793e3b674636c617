"""``duban import tips``: JSON Lines or CSV, all rows or none, re-imports change nothing."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from plugins.media_tips.models import Tip, TipSource

ROWS = [
    {"ref": "RX-1", "text": "河东区东湖街道老旧小区改造停工三个月", "source": "media", "url": "https://news.example.cn/1",
     "region_code": "990102", "category": "slow_action", "received_on": "2026-03-01"},
    {"text": "城关区工地拖欠农民工工资", "source": "热线", "unit_code": "B1", "received_on": "2026-03-02",
     "category": "不作为"},
]


def _write_jsonl(tmp_path, rows) -> str:
    path = tmp_path / "tips.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    return str(path)


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(Tip.id)))


def test_import_jsonl_then_again_changes_nothing(runner, db_session, org, ledger, tmp_path):
    path = _write_jsonl(tmp_path, ROWS)
    first = runner.invoke(args=["import", "tips", path])
    assert first.exit_code == 0, first.output
    tips = {tip.ref: tip for tip in db_session.scalars(select(Tip))}
    assert len(tips) == 2
    assert tips["RX-1"].source == TipSource.media and tips["RX-1"].matter_id == ledger.housing.id
    hotline = next(tip for ref, tip in tips.items() if ref != "RX-1")
    assert hotline.unit_id == org.county_b1.id and hotline.category == "inaction"
    again = runner.invoke(args=["import", "tips", path])
    assert again.exit_code == 0
    assert _count(db_session) == 2


def test_import_csv_with_chinese_headers(runner, db_session, org, tmp_path):
    path = tmp_path / "tips.csv"
    path.write_text("编号,内容,来源,日期,行政区划代码\nC-1,河西区幼儿园建好不招生,群众,2026-03-05,990103\n",
                    encoding="utf-8-sig")
    result = runner.invoke(args=["import", "tips", str(path)])
    assert result.exit_code == 0, result.output
    tip = db_session.scalar(select(Tip))
    assert tip.ref == "C-1" and tip.home_unit_id == org.county_a2.id


def test_a_bad_row_stops_the_whole_file(runner, db_session, org, tmp_path):
    rows = ROWS + [{"text": "未知单位", "source": "media", "unit_code": "NOPE", "received_on": "2026-03-03"},
                   {"text": "坏日期", "source": "media", "received_on": "03/03/2026"}]
    result = runner.invoke(args=["import", "tips", _write_jsonl(tmp_path, rows)])
    assert result.exit_code == 1
    assert "NOPE" in result.output and "03/03/2026" in result.output
    assert _count(db_session) == 0


def test_the_upload_page_offers_tips_to_staff(client, auth, db_session, org, people, tmp_path):
    auth.login("city_a")
    assert client.get("/imports/tips").status_code == 200
    auth.logout()
    auth.login("a1")
    assert client.get("/imports/tips").status_code == 403


def test_a_re_import_may_not_make_a_stored_tip_too_long(runner, db_session, org, tmp_path):
    assert runner.invoke(args=["import", "tips", _write_jsonl(tmp_path, ROWS[:1])]).exit_code == 0
    longer = [{**ROWS[0], "text": "字" * 5001}]
    result = runner.invoke(args=["import", "tips", _write_jsonl(tmp_path, longer)])
    assert result.exit_code == 1 and "5000" in result.output
    db_session.expire_all()
    assert db_session.scalar(select(Tip)).text == ROWS[0]["text"]
