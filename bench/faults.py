"""Faults: under load, a gunicorn worker is killed and the database connections are cut,
then restored; afterwards every submission that got a success answer must be stored once.

Submitters post signals through the API, each carrying its own Idempotency-Key and
retrying (same key, same body) after a failure or a cut connection. Readers load the
API and the ledger meanwhile. Prints accepted, stored, lost and duplicated.

    .venv/bin/python bench/faults.py                           # 200 clients, 60 s
    .venv/bin/python bench/faults.py --clients 40 --duration 20
"""
from __future__ import annotations

import argparse
import os
import signal
import threading
import time
import uuid

from sqlalchemy import create_engine, text

from loadkit import DEFAULT_SERVER, Client, Stats, gunicorn, instance, signal_body, timed, worker_pids

RETRIES = 8


def submitter(port: int, token: str, stop: threading.Event, stats: Stats, accepted: list[str],
              unanswered: list[str], lock: threading.Lock) -> None:
    client = Client(port, timeout=15)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while not stop.is_set():
        ref = uuid.uuid4().hex
        body = signal_body(ref)
        for attempt in range(RETRIES):
            status, _ = timed(stats, "POST /api/v1/signals", lambda: client.request(
                "POST", "/api/v1/signals", body, {**headers, "Idempotency-Key": f"bench-{ref}"}))
            if status is not None and 200 <= status < 300:
                with lock:
                    accepted.append(ref)
                break
            time.sleep(min(0.2 * 2 ** attempt, 3))
        else:
            with lock:
                unanswered.append(ref)
    client.close()


def reader(port: int, token: str, stop: threading.Event, stats: Stats) -> None:
    client = Client(port, timeout=15)
    headers = {"Authorization": f"Bearer {token}"}
    while not stop.is_set():
        timed(stats, "GET /api/v1/tasks", lambda: client.request("GET", "/api/v1/tasks?limit=20", headers=headers))
    client.close()


def cut_connections(url: str, seconds: float) -> int:
    """Refuse new connections to the database, end the open ones, and allow them again."""
    from sqlalchemy.engine import make_url

    from core.db import normalise_url

    target = make_url(normalise_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = target.database
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name "
            "AND pid <> pg_backend_pid()"), {"name": name}).scalar()
        time.sleep(seconds)
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    admin.dispose()
    return int(ended or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="a PostgreSQL server URL")
    args = parser.parse_args()
    with instance(args.server) as inst, gunicorn(inst, workers=4) as (port, process):
        stats, stop, lock = Stats(), threading.Event(), threading.Lock()
        accepted: list[str] = []
        unanswered: list[str] = []
        token = inst.tokens["duchashi"]
        threads = []
        for i in range(args.clients):
            if i % 2 == 0:
                target, extra = submitter, (accepted, unanswered, lock)
            else:
                target, extra = reader, ()
            threads.append(threading.Thread(target=target, args=(port, token, stop, stats, *extra), daemon=True))
        start = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.duration / 3)
        victim = worker_pids(process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        print(f"t={time.monotonic() - start:.1f}s killed gunicorn worker {victim}")
        time.sleep(args.duration / 6)
        ended = cut_connections(inst.url, 3)
        print(f"t={time.monotonic() - start:.1f}s cut {ended} database connections for 3 s, then restored them")
        time.sleep(max(args.duration - (time.monotonic() - start), 0))
        stop.set()
        for thread in threads:
            thread.join(120)
        stats.print(time.monotonic() - start)
        # The scratch database is dropped on leaving ``instance``: count first.
        engine = create_engine(inst.url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT ref FROM signals WHERE source = 'bench'")).scalars().all()
        engine.dispose()
    stored = set(rows)
    accepted_set = set(accepted)
    lost = accepted_set - stored
    duplicated = len(rows) - len(stored)
    print(f"accepted {len(accepted_set)}, stored {len(rows)}, lost {len(lost)}, duplicated {duplicated}")
    print(f"gave up after {RETRIES} tries: {len(unanswered)} "
          f"(of which stored without an answer reaching the client: {len(set(unanswered) & stored)})")


if __name__ == "__main__":
    main()
