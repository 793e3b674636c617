"""Features as they stood on a given day: no later evidence leaks in."""
from __future__ import annotations

import math
from datetime import date, timedelta

from core.scoring.catalogue import build_catalogue
from core.scoring.features import compute_features
from core.signals import record_signal


def test_signals_after_the_day_are_not_seen(db_session, province):
    task = province.tasks[0]
    today = province.today
    record_signal(db_session, source="hotline", kind="complaints", ref="a", unit_id=task.unit_id,
                  matter_id=task.matter_id, value=2, observed_on=today - timedelta(days=30))
    record_signal(db_session, source="hotline", kind="complaints", ref="b", unit_id=task.unit_id,
                  matter_id=task.matter_id, value=9, observed_on=today)
    catalogue = build_catalogue([], [("hotline", "complaints")])
    then = compute_features(db_session, catalogue, today - timedelta(days=10), [task.id]).row(task.id)
    now = compute_features(db_session, catalogue, today, [task.id]).row(task.id)
    assert then["hotline.complaints"] == 2
    assert now["hotline.complaints"] == 9


def test_the_most_specific_signal_wins_and_unit_wide_ones_reach_every_task(db_session, province):
    first, second = province.tasks[0], province.tasks[1]
    day = province.today
    record_signal(db_session, source="hotline", kind="complaints", ref="unit", unit_id=first.unit_id,
                  value=1, observed_on=day)
    record_signal(db_session, source="hotline", kind="complaints", ref="task", unit_id=first.unit_id,
                  matter_id=first.matter_id, task_id=first.id, value=7, observed_on=day)
    catalogue = build_catalogue([], [("hotline", "complaints")])
    table = compute_features(db_session, catalogue, day)
    assert table.row(first.id)["hotline.complaints"] == 7
    assert table.row(second.id)["hotline.complaints"] != table.row(second.id)["hotline.complaints"]  # missing


def test_overdue_days_as_of_a_past_day(db_session, province):
    task = province.tasks[0]
    catalogue = build_catalogue([])
    later = task.deadline + timedelta(days=12)
    assert compute_features(db_session, catalogue, later, [task.id]).row(task.id)["overdue_days"] == 12
    assert compute_features(db_session, catalogue, task.deadline, [task.id]).row(task.id)["overdue_days"] == 0


def test_a_review_counts_as_history_only_from_its_day(db_session, province):
    from core.review.models import ReviewOutcome

    task = province.tasks[0]
    visit_day = date.today() - timedelta(days=5)
    db_session.add(ReviewOutcome(task_id=task.id, unit_id=task.unit_id, matter_id=task.matter_id,
                                 visited_on=visit_day, problem_found=True))
    db_session.flush()
    catalogue = build_catalogue([])
    before = compute_features(db_session, catalogue, visit_day - timedelta(days=1), [task.id]).row(task.id)
    after = compute_features(db_session, catalogue, visit_day, [task.id]).row(task.id)
    assert before["past_problems"] == 0 and after["past_problems"] == 1
    assert after["days_since_review"] == 0


def test_a_kind_kept_as_history_is_summarised_per_task_and_per_unit(db_session, province):
    from core.hooktypes import SignalKind

    task = province.tasks[0]
    other = next(t for t in province.tasks if t.unit_id == task.unit_id and t.id != task.id) \
        if any(t.unit_id == task.unit_id and t.id != task.id for t in province.tasks) else None
    today = province.today
    scores = [(today - timedelta(days=730), 80.0), (today - timedelta(days=365), 70.0),
              (today - timedelta(days=30), 60.0)]
    for k, (day, value) in enumerate(scores):
        record_signal(db_session, source="eval", kind="score", ref=f"s{k}", unit_id=task.unit_id,
                      matter_id=task.matter_id, task_id=task.id, value=value, observed_on=day)
    catalogue = build_catalogue([SignalKind("eval", "score", "Score", -1, "0-100", history=True)])
    row = compute_features(db_session, catalogue, today, [task.id]).row(task.id)
    assert row["eval.score"] == 60
    assert row["eval.score.mean"] == 70 and row["eval.score.min"] == 60 and row["eval.score.max"] == 80
    assert row["eval.score.count"] == 3 and row["eval.score.days_since"] == 30
    assert abs(row["eval.score.trend"] - (-10.0)) < 0.5  # ten points lost a year
    assert row["eval.score.unit_min"] == 60
    # A year and a half ago only the first observation was known.
    then = compute_features(db_session, catalogue, today - timedelta(days=540), [task.id]).row(task.id)
    assert then["eval.score"] == 80 and then["eval.score.count"] == 1
    assert math.isnan(then["eval.score.trend"])  # one observation: no trend
    if other is not None:
        # Another task of the unit has no history of its own, but shares the unit's.
        row = compute_features(db_session, catalogue, today, [other.id]).row(other.id)
        assert math.isnan(row["eval.score.count"]) and row["eval.score.unit_min"] == 60


def test_a_growing_days_count_is_brought_forward_to_the_day(db_session, province):
    from core.hooktypes import SignalKind

    task = province.tasks[0]
    today = province.today
    record_signal(db_session, source="audit", kind="late", ref="a", unit_id=task.unit_id, value=1,
                  observed_on=today - timedelta(days=20))
    catalogue = build_catalogue([SignalKind("audit", "late", "Days late", 1, "days", grows_daily=True)])
    assert compute_features(db_session, catalogue, today, [task.id]).row(task.id)["audit.late"] == 21
    assert math.isnan(compute_features(db_session, catalogue, today - timedelta(days=25), [task.id]).row(
        task.id)["audit.late"])
    record_signal(db_session, source="audit", kind="late", ref="b", unit_id=task.unit_id, value=0,
                  observed_on=today - timedelta(days=5))
    assert compute_features(db_session, catalogue, today, [task.id]).row(task.id)["audit.late"] == 0


def test_a_units_problem_rate_is_shrunk_toward_the_overall_rate(db_session, province):
    from core.review.models import ReviewOutcome

    first = province.tasks[0]
    second = next(t for t in province.tasks if t.unit_id != first.unit_id)
    today = province.today
    # The first unit: 12 problems in 19 visits; the second: 2 in 3. Elsewhere: 2 in 10.
    history = [(first, 19, 12), (second, 3, 2)]
    third = next(t for t in province.tasks if t.unit_id not in (first.unit_id, second.unit_id))
    history.append((third, 10, 2))
    for task, visits, problems in history:
        for k in range(visits):
            db_session.add(ReviewOutcome(task_id=task.id, unit_id=task.unit_id, matter_id=task.matter_id,
                                         visited_on=today - timedelta(days=400 - 10 * k), problem_found=k < problems))
    db_session.flush()
    table = compute_features(db_session, build_catalogue([]), today, [first.id, second.id, third.id])
    a, b = table.row(first.id), table.row(second.id)
    assert a["past_visits"] == 19 and b["past_visits"] == 3
    assert a["past_problems"] == 12 and b["past_problems"] == 2
    overall = 16 / 32
    # Shrinkage pulls the thinly observed unit further toward the overall rate.
    assert abs(b["past_problem_rate"] - overall) < abs(2 / 3 - overall)
    assert abs(a["past_problem_rate"] - 12 / 19) < abs(b["past_problem_rate"] - 2 / 3)
    assert a["past_problem_rate"] > b["past_problem_rate"]
    assert a["days_since_unit_visit"] == 400 - 180 and a["last_visit_problem"] == 0


def test_ids_too_large_to_pack_give_the_same_features(db_session, province, monkeypatch):
    import numpy as np

    from core.hooktypes import SignalKind
    from core.scoring import features
    from core.scoring.features import SignalIds

    task, other = province.tasks[0], province.tasks[1]
    today = province.today
    for k, (unit, matter, task_id, value) in enumerate([(task.unit_id, None, None, 1.0),
                                                        (task.unit_id, task.matter_id, None, 2.0),
                                                        (task.unit_id, task.matter_id, task.id, 3.0),
                                                        (other.unit_id, other.matter_id, other.id, 4.0)]):
        for kind in ("score", "late"):
            record_signal(db_session, source="eval", kind=kind, ref=f"{kind}{k}", unit_id=unit, matter_id=matter,
                          task_id=task_id, value=value + k, observed_on=today - timedelta(days=10 * k))
    catalogue = build_catalogue([SignalKind("eval", "score", "Score", -1, "0-100", history=True),
                                 SignalKind("eval", "late", "Days late", 1, "days", grows_daily=True)])
    connection = db_session.connection()
    assert SignalIds.of(connection, features.DAY_BITS).day_bits
    with_days = [compute_features(db_session, catalogue, today, ids, all_signals=True).values
                 for ids in (None, [task.id])]
    # Room for the ids but not for the days beside them.
    while SignalIds.of(connection, features.DAY_BITS).day_bits:
        monkeypatch.setattr(features, "ID_BITS", features.ID_BITS - 1)
    assert SignalIds.of(connection).packed
    packed = [compute_features(db_session, catalogue, today, ids, all_signals=True).values
              for ids in (None, [task.id])]
    monkeypatch.setattr(features, "ID_BITS", 3)
    assert not SignalIds.of(connection).packed
    apart = [compute_features(db_session, catalogue, today, ids, all_signals=True).values
             for ids in (None, [task.id])]
    for one, two, three in zip(with_days, packed, apart, strict=True):
        assert np.array_equal(one, two, equal_nan=True) and np.array_equal(one, three, equal_nan=True)
    row = compute_features(db_session, catalogue, today, [task.id]).row(task.id)
    # The late score is brought forward from 20 days ago.
    assert row["eval.score"] == 5 and row["eval.score.count"] == 1 and row["eval.late"] == 5 + 20


def test_ids_packed_past_32_bits_cross_whole(db_session, province):
    """PostgreSQL multiplied the INTEGER unit id by the shift in 32 bits: "integer out of range" once
    the ids of units, matters and tasks needed more than 31 bits together."""
    import numpy as np
    from sqlalchemy import BigInteger, literal, select

    from core.scoring.features import SignalIds
    from core.signals import Signal

    task = province.tasks[0]
    record_signal(db_session, source="eval", kind="score", ref="wide", unit_id=task.unit_id,
                  matter_id=task.matter_id, task_id=task.id, value=1.0, observed_on=province.today)
    db_session.flush()
    wide = SignalIds(matter_bits=20, task_bits=20, packed=True)  # a unit id shifted 40 bits
    rows = db_session.execute(select(*wide.columns(Signal)).where(Signal.ref == "wide")).all()
    read = np.array([tuple(row) for row in rows], dtype=wide.dtype)
    unit, matter, task_id = wide.unpack(read)
    assert (int(unit[0]), int(matter[0]), int(task_id[0])) == (task.unit_id, task.matter_id, task.id)
    # With the days before the day asked about packed below them (a task id shifted 22 bits, a unit id 50 or more).
    wide = SignalIds(matter_bits=max(12, (task.matter_id + 1).bit_length()),
                     task_bits=max(16, (task.id + 1).bit_length()), packed=True, day_bits=22)
    assert task.unit_id.bit_length() + wide.matter_bits + wide.task_bits + wide.day_bits <= 63
    rows = db_session.execute(select(*wide.columns(Signal, literal(3, BigInteger))).where(Signal.ref == "wide")).all()
    read = np.array([tuple(row) for row in rows], dtype=wide.dtype)
    unit, matter, task_id = wide.unpack(read)
    assert (int(unit[0]), int(matter[0]), int(task_id[0])) == (task.unit_id, task.matter_id, task.id)
    assert int(wide.days_before(read)[0]) == 3


def test_latest_values_are_the_same_read_over_every_signal_or_over_a_units(db_session, province):
    """PostgreSQL finds the latest values of a full read from the rows in the index's order, a few units'
    with a window function; SQLite groups both: either way, the same values."""
    import numpy as np

    from core.hooktypes import SignalKind

    today = province.today
    for k, task in enumerate(province.tasks[:4]):
        for day, value in ((30, 5.0), (10, 2.0 + k), (10, 7.0 + k)):  # two observations on one day
            record_signal(db_session, source="eval", kind="late", ref=f"late-{k}-{day}-{value}",
                          unit_id=task.unit_id, matter_id=task.matter_id if k % 2 else None,
                          value=value if k != 3 else 0.0, observed_on=today - timedelta(days=day))
            record_signal(db_session, source="eval", kind="score", ref=f"score-{k}-{day}-{value}",
                          unit_id=task.unit_id, matter_id=task.matter_id, task_id=task.id if k % 2 else None,
                          value=value * 10, observed_on=today - timedelta(days=day))
    catalogue = build_catalogue([SignalKind("eval", "score", "Score", -1, "0-100"),
                                 SignalKind("eval", "late", "Days late", 1, "days", grows_daily=True)])
    ids = [task.id for task in province.tasks]
    every = compute_features(db_session, catalogue, today, ids, all_signals=True)
    units = compute_features(db_session, catalogue, today, ids)
    assert np.array_equal(every.values, units.values, equal_nan=True)
    first = every.row(province.tasks[0].id)
    assert first["eval.late"] in (2.0 + 10, 7.0 + 10) and first["eval.score"] in (20.0, 70.0)
    assert every.row(province.tasks[3].id)["eval.late"] == 0  # a count back at zero does not grow
