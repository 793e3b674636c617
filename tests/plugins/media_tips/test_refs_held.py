"""The tips plugin tells another source which of an outside system's records it already holds as tips."""
from __future__ import annotations

import json

from core.plugins import refs_held


def test_hotline_tips_are_held_under_their_order_numbers(app, runner, db_session, org, tmp_path):
    rows = [{"ref": "12345-0001", "text": "河东区加装电梯停工", "source": "hotline", "region_code": "990102",
             "received_on": "2026-03-01"},
            {"ref": "12345-0002", "text": "城关区欠薪", "source": "media", "region_code": "990202",
             "received_on": "2026-03-01"}]
    path = tmp_path / "tips.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    assert runner.invoke(args=["import", "tips", str(path)]).exit_code == 0
    pm = app.extensions["duban.plugins"]
    asked = ["12345-0001", "12345-0002", "12345-0003"]
    assert refs_held(pm, db_session, "hotline", asked) == {"12345-0001"}  # a media tip is not a hotline call
    assert refs_held(pm, db_session, "petitions", asked) == set()
