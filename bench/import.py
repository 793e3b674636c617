"""Audit import throughput against a plain SQLAlchemy Core ``executemany`` baseline.

    .venv/bin/python -m bench.import                      # 1,000,000 rows, SQLite and PostgreSQL
    .venv/bin/python -m bench.import --rows 20000 --database sqlite
    .venv/bin/python -m bench.import --pg-url postgresql://postgres@127.0.0.1:5432/postgres

For each database a fresh one is created. The same CSV file is inserted twice:

* baseline: ``csv.reader``, the few conversions the columns need (dates, decimals, unit codes to
  ids), and ``connection.execute(table.insert(), rows)`` in batches, one transaction;
* Duban: ``core.intake.run_import`` with the ``audit`` importer, which also sniffs the format,
  checks every cell, looks up existing findings, writes the audit trail and records signals.

Prints rows per second for both and the ratio. Figures only: nothing passes or fails on time.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

import pluggy
from sqlalchemy import delete, func, select

from core import audit_log
from core.db import Base, Database, scratch_database, utcnow
from core.hooktypes import ImportContext
from core.importing import UploadLimits
from core.intake import run_import
from core.org.models import Unit, UnitLevel
from core.org.units import save_unit
from core.plugins import importers, make_plugin_manager

HEADERS = ["finding_id", "audit_name", "unit_code", "matter_code", "found_on", "category", "severity", "amount",
           "description", "rectification_status", "rectification_due"]
CATEGORIES = ["专项资金闲置", "虚报工程量", "违规招投标", "政府采购不规范", "惠民补贴发放不到位", "项目建设滞后"]
SEVERITIES = ["一般", "较重", "严重"]
STATUSES = ["未整改", "整改中", "已整改"]
LIMITS = UploadLimits(max_bytes=4 * 1024 ** 3, max_expanded_bytes=8 * 1024 ** 3, max_rows=10_000_000)
BATCH = 2000


def make_csv(rows: int, unit_codes: list[str]) -> bytes:
    """A realistic audit file: Chinese text, amounts, dates, every severity and status."""
    rng = random.Random(42)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    start = date(2025, 1, 1)
    for n in range(rows):
        found = start + timedelta(days=n % 365)
        writer.writerow([f"SJ-{n:08d}", "2026年度预算执行审计", unit_codes[n % len(unit_codes)], "",
                         found.isoformat(), CATEGORIES[n % len(CATEGORIES)], SEVERITIES[n % 3],
                         f"{rng.randint(1000, 99_999_999) / 100:.2f}", f"第{n}号问题：资金使用不规范，需限期整改。",
                         STATUSES[n % 3], (found + timedelta(days=90)).isoformat()])
    return out.getvalue().encode("utf-8")


def baseline(database: Database, data: bytes, units: dict[str, int]) -> float:
    """Seconds to parse the CSV minimally and insert it with Core executemany."""
    from plugins.audit.models import Finding

    table = Finding.__table__
    severity = {"一般": "minor", "较重": "major", "严重": "severe"}
    status = {"未整改": "open", "整改中": "in_progress", "已整改": "done"}
    began = time.perf_counter()
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    next(reader)
    now = utcnow()
    with database.engine.begin() as connection:
        chunk = []
        for ref, name, unit, _matter, found, category, sev, amount, text_, st, due in reader:
            chunk.append({"ref": ref, "audit_name": name, "unit_id": units[unit], "matter_id": None,
                          "found_on": date.fromisoformat(found), "category": category, "severity": severity[sev],
                          "amount": Decimal(amount), "description": text_, "status": status[st],
                          "due": date.fromisoformat(due), "imported_by": "bench", "created_at": now,
                          "updated_at": now, "verified_at": None, "verified_by_id": None})
            if len(chunk) == BATCH:
                connection.execute(table.insert(), chunk)
                chunk = []
        if chunk:
            connection.execute(table.insert(), chunk)
    return time.perf_counter() - began


def duban(database: Database, pm: pluggy.PluginManager, data: bytes, progress: bool) -> tuple[float, int]:
    """Seconds for ``run_import`` with the audit importer, and the rows it created."""
    options: dict[str, object] = {"limits": LIMITS}
    if progress:
        from plugins.audit.cli import progress_bar

        options["progress"] = progress_bar()
    importer = importers(pm)["audit"]  # loading every plugin's importer module is not the import's cost
    began = time.perf_counter()
    with database.session() as session:
        report = run_import(session, importer, data, "bench.csv",
                            ImportContext(actor="bench", options=options))
    elapsed = time.perf_counter() - began
    if not report.ok:
        raise SystemExit(report.render(str)[:2000])
    return elapsed, report.created


def run(label: str, url: str, rows: int, progress: bool) -> None:
    pm = make_plugin_manager()
    import core.models  # noqa: F401

    database = Database(url, info={"plugins": pm})
    audit_log.install(database.sessionmaker)
    Base.metadata.create_all(database.engine)
    with database.transaction(actor="bench") as session:
        province = save_unit(session, Unit(), code="990000", name="示范省", level=UnitLevel.province,
                             region_code="990000", parent=None)
        for n in range(1, 51):
            save_unit(session, Unit(), code=f"9900{n:02d}", name=f"第{n}县", level=UnitLevel.county,
                      region_code=f"9900{n:02d}", parent=province)
    with database.session() as session:
        units = {code: unit_id for code, unit_id in session.execute(select(Unit.code, Unit.id))}
    data = make_csv(rows, [code for code in units if code != "990000"])
    print(f"{label}: {rows:,} rows, {len(data) / 1024 ** 2:.1f} MiB of CSV", flush=True)

    from plugins.audit.models import Finding

    base_seconds = baseline(database, data, units)
    with database.engine.begin() as connection:
        connection.execute(delete(Finding.__table__))
    ours_seconds, created = duban(database, pm, data, progress)
    with database.session() as session:
        stored = session.scalar(select(func.count(Finding.id)))
    assert created == rows == stored, (created, rows, stored)
    base_rate, ours_rate = rows / base_seconds, rows / ours_seconds
    print(f"{label}: baseline Core executemany {base_rate:>10,.0f} rows/s ({base_seconds:.1f} s)")
    print(f"{label}: duban import audit        {ours_rate:>10,.0f} rows/s ({ours_seconds:.1f} s)")
    print(f"{label}: ratio {ours_rate / base_rate:.0%} of the baseline", flush=True)
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("DUBAN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", "sqlite:///" + os.path.join(folder, "bench.sqlite"), args.rows, not args.no_progress)
    if args.database in ("postgresql", "both"):
        with scratch_database(args.pg_url, "duban_bench") as url:
            run("PostgreSQL", url, args.rows, not args.no_progress)


if __name__ == "__main__":
    main()
