"""How fast the ledger's lists are on a big province.

Builds a ledger of 100,000 tasks over 3,000 units (a province, 30 cities, 300
counties, their towns and departments) in a scratch database, then times what
the pages run, with the real scoping layer:

* the overdue list (overdue tasks, first page, and overdue counts by unit) for
  provincial staff;
* a unit's task list (a county head officer's ledger page and its light counts);
* the ledger page with filters (kind, state, light, unit subtree, text, deadline
  range; page and light counts) for provincial staff, and for a city's staff.

Prints the median and 95th percentile of each, in milliseconds.

    .venv/bin/python bench/ledger.py                       # SQLite in a temporary folder
    .venv/bin/python bench/ledger.py --url postgresql://postgres@127.0.0.1:5432/postgres
    DUBAN_BENCH_DATABASE_URL=postgresql://... .venv/bin/python bench/ledger.py

A PostgreSQL URL names a server: a scratch database is created there and dropped afterwards.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, text

from core.access.models import Role, User
from core.access.scope import Scope
from core.db import Base, make_engine, scratch_database
from core.ledger.models import Matter, MatterKind, Task, TaskCoUnit, TaskState
from core.ledger.queries import LedgerFilter, ledger_page, light_counts, overdue_page, overdue_units
from core.org.models import Unit, UnitLevel

TODAY = date(2026, 6, 1)
TITLES = ["城镇老旧小区改造", "农村饮水安全巩固提升", "黑臭水体治理", "优化营商环境", "新增城镇就业",
          "义务教育薄弱环节改善", "河道非法采砂整治", "农村危房改造", "安全生产专项整治", "养老服务体系建设"]


def build_units(connection, count: int) -> dict[str, list[int]]:
    """A province with 30 cities of 10 counties, towns under the counties, and departments."""
    rows: list[dict] = []
    levels: dict[str, list[int]] = {"province": [], "city": [], "county": [], "town": [], "department": []}

    def add(parent: dict | None, level: UnitLevel, code: str, name: str) -> dict:
        unit_id = len(rows) + 1
        row = {"id": unit_id, "code": code, "name": name, "level": level.name, "region_code": code[:6].ljust(6, "0"),
               "parent_id": parent["id"] if parent else None,
               "path": (parent["path"] if parent else "/") + f"{unit_id}/", "active": True}
        rows.append(row)
        levels[level.name].append(unit_id)
        return row

    province = add(None, UnitLevel.province, "990000", "示范省人民政府")
    for d in range(20):
        add(province, UnitLevel.department, f"990000-D{d:02d}", f"省直部门{d}")
    counties = []
    for c in range(30):
        city = add(province, UnitLevel.city, f"99{c + 1:02d}00", f"第{c + 1}市人民政府")
        for k in range(10):
            counties.append(add(city, UnitLevel.county, f"99{c + 1:02d}{k + 1:02d}", f"第{c + 1}市第{k + 1}县"))
    town = 0
    while len(rows) < count:
        county = counties[town % len(counties)]
        add(county, UnitLevel.town, f"{county['code']}{town // len(counties) + 1:03d}", f"{county['name']}第{town}镇")
        town += 1
    connection.execute(insert(Unit), rows)
    return levels


def build_ledger(connection, levels: dict[str, list[int]], tasks: int, rng: random.Random) -> None:
    matter_count = tasks // 20
    kinds = list(MatterKind)
    now = datetime.now(UTC)
    connection.execute(insert(Matter), [
        {"id": m + 1, "code": f"DB-{m + 1:06d}", "title": f"{rng.choice(TITLES)}（第{m + 1}项）",
         "kind": kinds[m % len(kinds)].name,
         "source_ref": f"示政办发〔2026〕{m % 300 + 1}号", "description": "", "importance": rng.randint(1, 5),
         "public_attention": rng.randint(0, 5), "people_affected": 0, "money_affected": 0,
         "owner_unit_id": 1 if m % 5 else levels["city"][m % len(levels["city"])], "created_at": now}
        for m in range(matter_count)])
    targets = levels["county"] + levels["town"] + levels["department"]
    states = [TaskState.dispatched, TaskState.signed, TaskState.reported, TaskState.returned,
              TaskState.accepted, TaskState.closed]
    batch, co_rows = [], []
    for t in range(tasks):
        batch.append({
            "id": t + 1, "matter_id": t % matter_count + 1, "unit_id": rng.choice(targets), "parent_task_id": None,
            "description": f"{rng.choice(TITLES)}任务{t + 1}",
            "deadline": TODAY + timedelta(days=rng.randint(-200, 200)),
            "cadence": "once", "state": rng.choices(states, weights=[15, 30, 15, 5, 15, 20])[0].name,
            "percent_done": rng.randint(0, 100), "created_at": now, "returned_count": 0, "delay_reason": "",
        })
        if t % 5 == 0:
            co_rows.append({"task_id": t + 1, "unit_id": rng.choice(levels["department"])})
        if len(batch) == 5000:
            connection.execute(insert(Task), batch)
            batch = []
    if batch:
        connection.execute(insert(Task), batch)
    connection.execute(insert(TaskCoUnit), co_rows)


def timed(run: Callable[[int], object], repeat: int) -> tuple[float, float]:
    samples = []
    run(0)  # warm the caches once
    for i in range(repeat):
        start = time.perf_counter()
        run(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("DUBAN_BENCH_DATABASE_URL"),
                        help="a PostgreSQL server URL (default: SQLite in a temporary folder)")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    import core.models  # noqa: F401  (every table in the metadata)

    with scratch_database(args.url) as url:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        started = time.perf_counter()
        with engine.begin() as connection:
            levels = build_units(connection, args.units)
            build_ledger(connection, levels, args.tasks, rng)
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT setval('units_id_seq', (SELECT max(id) FROM units))"))
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        print(f"database: {engine.dialect.name}; built {args.tasks} tasks over {args.units} units "
              f"in {time.perf_counter() - started:.1f} s")

        from sqlalchemy.orm import Session

        with Session(engine) as session:
            county = levels["county"][7]
            staff = User(username="bench-staff", password_hash="x", role=Role.supervisor, unit_id=1, is_unit_head=True)
            officer = User(username="bench-county", password_hash="x", role=Role.unit_officer, unit_id=county,
                           is_unit_head=True)
            city_staff = User(username="bench-city", password_hash="x", role=Role.supervisor,
                              unit_id=levels["city"][4], is_unit_head=True)
            session.add_all([staff, officer, city_staff])
            session.commit()
            province, county_scope = Scope(session, staff), Scope(session, officer)
            city_scope = Scope(session, city_staff)
            kinds, states = list(MatterKind), list(TaskState)
            city_codes = [session.get_one(Unit, uid).code for uid in levels["city"][:10]]

            def overdue_list(i: int) -> None:
                overdue_page(province, LedgerFilter(), TODAY, number=1 + i % 3)
                overdue_units(province, LedgerFilter(), TODAY, limit=100)

            def unit_list(i: int) -> None:
                ledger_page(county_scope, LedgerFilter(), TODAY, number=1 + i % 2)
                light_counts(county_scope, LedgerFilter(), TODAY)

            def filtered_ledger(i: int) -> None:
                city = session.scalar(text("SELECT id FROM units WHERE code = :c").bindparams(c=city_codes[i % 10]))
                filters = [
                    LedgerFilter(kind=kinds[i % len(kinds)], state=states[i % len(states)]),
                    LedgerFilter(light="red", unit_id=city),
                    LedgerFilter(q=TITLES[i % len(TITLES)]),
                    LedgerFilter(light="yellow", deadline_from=TODAY, deadline_to=TODAY + timedelta(days=30)),
                ]
                f = filters[i % len(filters)]
                ledger_page(province, f, TODAY, number=1 + i % 3)
                light_counts(province, f, TODAY)

            def city_ledger(i: int) -> None:
                f = [LedgerFilter(), LedgerFilter(light="red"), LedgerFilter(state=states[i % len(states)])][i % 3]
                ledger_page(city_scope, f, TODAY, number=1 + i % 2)
                light_counts(city_scope, f, TODAY)

            for label, run in (("overdue list (province staff)", overdue_list),
                               ("a county's task list (head officer)", unit_list),
                               ("ledger page with filters (province staff)", filtered_ledger),
                               ("ledger page with filters (city staff)", city_ledger)):
                median, p95 = timed(run, args.repeat)
                print(f"{label:<44} median {median:7.1f} ms   p95 {p95:7.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
