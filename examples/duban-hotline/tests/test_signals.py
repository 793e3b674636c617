"""The hotline's signals: complaints, repeats, dissatisfaction and overdue orders move the review queue,
and a call also filed as a hotline tip is counted once."""
from __future__ import annotations

import csv
import io
import json

from duban_hotline.signals import refresh_signals
from sqlalchemy import select

from core.signals import Signal


def _queue(runner) -> list[dict[str, str]]:
    result = runner.invoke(args=["queue", "--format", "csv"], env={"DUBAN_LANG": "en"})
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def _latest(db_session, kind: str, task_id: int) -> float | None:
    signal = db_session.scalars(select(Signal).where(Signal.source == "hotline_orders", Signal.kind == kind,
                                                     Signal.task_id == task_id)
                                .order_by(Signal.observed_on.desc())).first()
    return None if signal is None else signal.value


def test_complaints_about_a_task_bring_it_to_the_top_of_the_queue_with_the_hotlines_reason(runner, db_session, org,
                                                                                             ledger, files):
    task = ledger.tasks["wages_b1"]
    before = _queue(runner)
    assert before[0]["unit_code"] == "A1"
    rows = [f"W-{n},{files.when(60 - n)},990202,投诉,城关区工地拖欠农民工工资，老板跑了,B1,,"
            for n in range(12)]
    result = runner.invoke(args=["import", "hotline_orders", files.csv(rows)])
    assert result.exit_code == 0, result.output
    assert _latest(db_session, "complaints", task.id) == 12
    after = _queue(runner)
    # The unit's complaints raise every task it holds above the other county's; the wages task carries them too.
    assert [row["unit_code"] for row in after] == ["B1", "B1", "A1"]
    wages = next(row for row in after if row["task_id"] == str(task.id))
    assert "12 complaints to the 12345 hotline in 90 days" in wages["reasons"]
    assert float(wages["priority"]) > next(float(row["priority"]) for row in before if row["task_id"] == str(task.id))


def test_repeats_dissatisfaction_and_overdue_orders_are_counted_per_task(runner, db_session, org, ledger, files):
    task = ledger.tasks["lifts_a1"]
    rows = [
        f"L-1,{files.when(50)},990102,投诉,东湖街道电梯停工,A1,不满意,{files.when(45)}",
        f"L-2,{files.when(40)},990102,投诉,东湖街道电梯又停工了,A1,不满意,{files.when(38)}",  # after L-1 closed
        f"L-3,{files.when(30)},990102,投诉,东湖街道电梯还是停工,A1,满意,{files.when(29)}",  # after L-1 and L-2
        f"L-4,{files.when(25)},990102,求助,东湖街道加装电梯什么时候完工,A1,,",  # open 25 days: overdue
        f"L-5,{files.when(3)},990102,咨询,东湖街道加装电梯的补贴,A1,,",  # open 3 days: not yet
    ]
    assert runner.invoke(args=["import", "hotline_orders", files.csv(rows)]).exit_code == 0
    assert _latest(db_session, "complaints", task.id) == 3
    assert _latest(db_session, "repeat_complaints", task.id) == 2
    assert _latest(db_session, "dissatisfied_share", task.id) == round(2 / 3, 4)
    assert _latest(db_session, "overdue", task.id) == 1
    assert refresh_signals(db_session) == 0  # the series already stand as the orders say


def test_a_call_also_filed_as_a_hotline_tip_is_counted_once_as_the_tip(runner, client, auth, db_session, org, ledger,
                                                                       files, tmp_path):
    task = ledger.tasks["wages_b1"]
    tips = tmp_path / "tips.jsonl"
    tips.write_text(json.dumps({"ref": "W-1", "text": "城关区工地拖欠农民工工资，老板跑了", "source": "hotline",
                                "unit_code": "B1", "received_on": files.when(20)[:10]}, ensure_ascii=False),
                    encoding="utf-8")
    assert runner.invoke(args=["import", "tips", str(tips)]).exit_code == 0
    rows = [f"W-{n},{files.when(20 - n)},990202,投诉,城关区工地拖欠农民工工资,B1,不满意,{files.when(10 - n)}"
            for n in range(1, 4)]
    assert runner.invoke(args=["import", "hotline_orders", files.csv(rows)]).exit_code == 0
    assert _latest(db_session, "complaints", task.id) == 2  # W-2 and W-3; W-1 is counted as a tip
    assert _latest(db_session, "dissatisfied_share", task.id) == 1.0  # its handling still counts here
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert _latest(db_session, "complaints", task.id) == 2
    tip_count = db_session.scalars(select(Signal).where(Signal.source == "media_tips", Signal.kind == "tips_recent",
                                                        Signal.unit_id == org.county_b1.id)).first()
    assert tip_count is not None and tip_count.value == 1
    auth.login("staff")
    page = client.get("/hotline/").get_data(as_text=True)
    assert page.count("已作为线索，按线索计") == 1


def test_the_demo_adds_a_year_of_orders_and_their_signals(db_session, org, ledger, files):
    from duban_hotline.demo import seed
    from duban_hotline.models import Order

    seed(db_session, files.today)
    orders = list(db_session.scalars(select(Order)))
    assert len(orders) >= 3 * 2 and {order.unit_id for order in orders} == {org.county_a1.id, org.county_b1.id}
    assert all(order.closed_at is None or order.closed_at >= order.received_at for order in orders)
    kinds = set(db_session.scalars(select(Signal.kind).where(Signal.source == "hotline_orders")))
    assert {"complaints", "overdue"} <= kinds
