"""How fast the leaders' dashboard renders and a circular is generated on a big province.

Builds 100,000 tasks over 3,000 units (the province of ``bench/ledger.py``) with
reports filed on time or late, and survey, audit, evaluation and tip signals
for every county and town, in a scratch database. Then times, with the real
scoping layer:

* the dashboard page, rendered through the app (``GET /dashboard/``) for
  provincial supervision staff;
* generating a circular for the province (ranking every unit below it on the
  default weights, drafting the named paragraphs), rolled back after each run.

Prints the median and 95th percentile of each, in milliseconds.

    .venv/bin/python bench/dashboard.py                 # SQLite in a temporary folder
    .venv/bin/python bench/dashboard.py --scale 0.1     # 10,000 tasks over 300+ units
    .venv/bin/python bench/dashboard.py --url postgresql://postgres@127.0.0.1:5432/postgres
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as day_time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, text

from bench.ledger import TITLES, build_units, timed
from core.db import Base, make_engine, scratch_database
from core.ledger.models import Matter, MatterKind, Task, TaskState
from core.signals import Signal

SIGNALS = (("survey", "satisfaction", lambda rng: round(rng.uniform(0.3, 0.98), 3)),
           ("audit", "open_findings", lambda rng: rng.choice([0, 0, 0, 1, 2, 5])),
           ("third_party_eval", "weighted_score", lambda rng: round(rng.uniform(50, 98), 1)),
           ("media_tips", "cluster_size", lambda rng: rng.choice([1, 1, 2, 3, 8])))


def build_tasks(connection, levels: dict[str, list[int]], tasks: int, today: date, rng: random.Random) -> None:
    """Tasks due over the past year and the next half-year; done ones reported on time or late."""
    matter_count = max(1, tasks // 20)
    now = datetime.now(UTC)
    kinds = list(MatterKind)
    connection.execute(insert(Matter), [
        {"id": m + 1, "code": f"DB-{m + 1:06d}", "title": f"{rng.choice(TITLES)}（第{m + 1}项）",
         "kind": kinds[m % len(kinds)].name, "source_ref": "", "description": "", "importance": 3,
         "public_attention": 2, "people_affected": 0, "money_affected": 0, "owner_unit_id": 1, "created_at": now}
        for m in range(matter_count)])
    targets = levels["county"] + levels["town"] + levels["department"]
    states = list(TaskState)
    batch = []
    for t in range(tasks):
        deadline = today + timedelta(days=rng.randint(-365, 180))
        state = rng.choices(states, weights=[10, 20, 10, 5, 25, 30])[0]
        reported = None
        if state in (TaskState.reported, TaskState.accepted, TaskState.closed):
            day = deadline + timedelta(days=rng.choice([-20, -5, -1, 0, 3, 15]))
            reported = datetime.combine(min(day, today), day_time(2), tzinfo=UTC)
        batch.append({"id": t + 1, "matter_id": t % matter_count + 1, "unit_id": rng.choice(targets),
                      "parent_task_id": None, "description": f"任务{t + 1}", "deadline": deadline, "cadence": "once",
                      "state": state.name, "percent_done": 100 if reported else 30, "created_at": now,
                      "returned_count": 0, "delay_reason": "", "last_report_at": reported})
        if len(batch) == 5000:
            connection.execute(insert(Task), batch)
            batch = []
    if batch:
        connection.execute(insert(Task), batch)


def build_signals(connection, levels: dict[str, list[int]], today: date, rng: random.Random) -> int:
    """Two monthly snapshots of each kind for every county and town."""
    rows = []
    for unit_id in levels["county"] + levels["town"]:
        for source, kind, value in SIGNALS:
            for back in (35, 5):
                day = today - timedelta(days=back)
                rows.append({"source": source, "kind": kind, "ref": f"{kind}:{unit_id}:{day.isoformat()}",
                             "unit_id": unit_id, "matter_id": None, "task_id": None, "value": value(rng),
                             "observed_on": day, "details": {}, "recorded_at": datetime.now(UTC)})
    for start in range(0, len(rows), 5000):
        connection.execute(insert(Signal), rows[start:start + 5000])
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("DUBAN_BENCH_DATABASE_URL"),
                        help="a PostgreSQL server URL (default: SQLite in a temporary folder)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100,000 tasks and 3,000 units")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--circular-repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tasks, units = int(100_000 * args.scale), max(400, int(3_000 * args.scale))

    import core.models  # noqa: F401  (every table in the metadata)

    with scratch_database(args.url) as url, tempfile.TemporaryDirectory() as instance:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        started = time.perf_counter()
        today = datetime.now(timezone(timedelta(hours=8))).date()
        with engine.begin() as connection:
            levels = build_units(connection, units)
            build_tasks(connection, levels, tasks, today, rng)
            signals = build_signals(connection, levels, today, rng)
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT setval('units_id_seq', (SELECT max(id) FROM units))"))
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()
        print(f"database: {engine.dialect.name}; built {tasks} tasks over {units} units and {signals} signals "
              f"in {time.perf_counter() - started:.1f} s")

        from core.access.accounts import save_account
        from core.access.models import Role, User
        from core.access.scope import Scope
        from core.circulars.drafting import DraftRequest, generate_circular
        from core.circulars.rankings import DEFAULT_WEIGHTS
        from core.plugins import signal_kinds
        from web.app import create_app

        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                          "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False,
                          "LOGIN_RATE_LIMIT": "1000 per minute"})
        database = app.extensions["duban.db"]
        with database.transaction(actor="bench") as session:
            save_account(session, User(), username="bench-staff", role=Role.supervisor, unit_code="990000",
                         is_unit_head=True, password="bench-password-2026")
        client = app.test_client()
        client.post("/login", data={"username": "bench-staff", "password": "bench-password-2026"})

        def dashboard(_i: int) -> None:
            response = client.get("/dashboard/")
            assert response.status_code == 200, response.status_code

        kinds = signal_kinds(app.extensions["duban.plugins"])

        def circular(_i: int) -> None:
            with database.session() as session:
                staff = session.query(User).filter_by(username="bench-staff").one()
                request = DraftRequest(title="基准测试通报", start=today - timedelta(days=90), end=today,
                                       weights=DEFAULT_WEIGHTS)
                draft = generate_circular(Scope(session, staff), request, today, kinds, lambda s: s)
                assert draft.rankings
                session.rollback()

        for label, run, repeat in (("dashboard page (province staff)", dashboard, args.repeat),
                                   ("generate a circular (province, 90 days)", circular, args.circular_repeat)):
            median, p95 = timed(run, repeat)
            print(f"{label:<44} median {median:8.1f} ms   p95 {p95:8.1f} ms")
        database.dispose()


if __name__ == "__main__":
    main()
