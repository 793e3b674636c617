"""Signal series: a figure's history stored as the days it changed, rewritten in bulk."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.signals import Series, Signal, change_points, record_signal, sync_series


def _stored(db_session, source="src"):
    return {s.ref: (s.value, s.observed_on, s.details) for s in db_session.scalars(
        select(Signal).where(Signal.source == source))}


def test_change_points_keep_only_the_days_a_figure_changed():
    days = [(date(2026, 1, d), v) for d, v in ((3, 0), (4, 2), (5, 2), (6, 0), (7, 0), (8, 1))]
    assert change_points(reversed(days)) == {date(2026, 1, 4): 2, date(2026, 1, 6): 0, date(2026, 1, 8): 1}


def test_sync_writes_updates_and_removes_exactly_what_differs(db_session, org):
    unit = org.county_a1.id
    record_signal(db_session, source="src", kind="k", ref="old-snapshot", unit_id=unit, value=9,
                  observed_on=date(2026, 1, 1))
    first = Series("a", "k", unit, {date(2026, 1, 2): 1.0, date(2026, 1, 5): 2.0, date(2026, 3, 1): 5.0})
    second = Series("b", "k", unit, {date(2026, 1, 3): 4.0}, point_details={date(2026, 1, 3): {"n": 30}})
    assert sync_series(db_session, "src", [first, second], until=date(2026, 2, 1)) == 3 + 1
    assert _stored(db_session) == {"a@2026-01-02": (1.0, date(2026, 1, 2), {}),
                                   "a@2026-01-05": (2.0, date(2026, 1, 5), {}),
                                   "b@2026-01-03": (4.0, date(2026, 1, 3), {"n": 30})}
    assert sync_series(db_session, "src", [first, second], until=date(2026, 2, 1)) == 0
    # A corrected record: one point changes, one goes, series b is no longer there.
    corrected = Series("a", "k", unit, {date(2026, 1, 2): 1.5})
    assert sync_series(db_session, "src", [corrected], until=date(2026, 2, 1)) == 3
    assert _stored(db_session) == {"a@2026-01-02": (1.5, date(2026, 1, 2), {})}


def test_sync_within_a_prefix_leaves_the_rest_of_the_source_alone(db_session, org):
    unit = org.county_a1.id
    sync_series(db_session, "src", [Series("s1:x", "k", unit, {date(2026, 1, 2): 1.0}),
                                     Series("s2:x", "k", unit, {date(2026, 1, 2): 2.0})], until=date(2026, 2, 1))
    sync_series(db_session, "src", [], until=date(2026, 2, 1), within="s1:")
    assert set(_stored(db_session)) == {"s2:x@2026-01-02"}


def test_hooks_hear_of_every_new_or_changed_point(app, db_session, org):
    from core.hookspecs import hookimpl

    heard = []

    class Listener:
        @hookimpl
        def duban_signal_recorded(self, session, signal):
            heard.append((signal.ref, signal.value))

    pm = app.extensions["duban.plugins"]
    listener = Listener()
    pm.register(listener)
    try:
        db_session.info["plugins"] = pm
        unit = org.county_a1.id
        sync_series(db_session, "src", [Series("a", "k", unit, {date(2026, 1, 2): 1.0})], until=date(2026, 2, 1))
        sync_series(db_session, "src", [Series("a", "k", unit, {date(2026, 1, 2): 3.0})], until=date(2026, 2, 1))
    finally:
        pm.unregister(listener)
    assert heard == [("a@2026-01-02", 1.0), ("a@2026-01-02", 3.0)]


def test_many_signals_are_recorded_at_once_matched_on_source_and_ref(db_session, org):
    from core.signals import record_signals

    unit = org.county_a1.id
    rows = [{"source": "hotline", "kind": "complaints", "ref": f"r{k}", "unit_id": unit, "value": k,
             "observed_on": date(2026, 1, 1 + k)} for k in range(5)]
    assert record_signals(db_session, rows) == (5, 0, 0)
    rows[2] = {**rows[2], "value": 20.0}
    rows[4] = {**rows[4], "observed_on": date(2026, 2, 1)}
    assert record_signals(db_session, rows + [{**rows[0], "source": "petitions"}]) == (1, 2, 3)
    stored = {(s.source, s.ref): (s.value, s.observed_on) for s in db_session.scalars(select(Signal))}
    assert stored[("hotline", "r2")] == (20.0, date(2026, 1, 3))
    assert stored[("hotline", "r4")] == (4.0, date(2026, 2, 1))
    assert stored[("petitions", "r0")] == (0.0, date(2026, 1, 1))
