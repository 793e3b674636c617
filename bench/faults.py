"""Faults: under load, a gunicorn worker is killed and the database connections are cut,
then restored; afterwards every submission that got a success answer must be stored once.

Submitters post signals through the API, each carrying its own Idempotency-Key and
retrying (same key, same body) after a failure or a cut connection. Readers load the
API and the ledger meanwhile. Prints accepted, stored, lost and duplicated.

    .venv/bin/python bench/faults.py                           # 200 clients, 60 s
    .venv/bin/python bench/faults.py --clients 40 --duration 20
    .venv/bin/python bench/faults.py --sqlite --clients 55     # the embedded default, as `duban serve` runs it
    .venv/bin/python bench/faults.py --mixed --clients 55      # the same load on PostgreSQL and Redis

With ``--sqlite`` the instance is a SQLite file served as ``duban serve`` serves it (2 workers,
4 threads each), and the load is mixed: a quarter of the clients post signals, a quarter add staff
notes to tips, a quarter load the review queue and a quarter open task pages. A worker is killed
as before; there are no connections to cut. With ``--mixed`` the same load runs on the grown shape
of docs/deployment.md: PostgreSQL, 3 workers, a Redis of the bench's own for the job queue and the
rate-limit counters, and a job consumer; a worker is killed and the database connections are cut.
The figures to watch: 5xx, lost and duplicated (0).
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from loadkit import (
    CSRF,
    DEFAULT_SERVER,
    Client,
    Instance,
    Stats,
    consumer,
    gunicorn,
    instance,
    redis_server,
    signal_body,
    timed,
    worker_pids,
)
from sqlalchemy import create_engine, text

from core.db import normalise_url

RETRIES = 8


def submitter(port: int, token: str, stop: threading.Event, stats: Stats, accepted: list[str],
              unanswered: list[str], lock: threading.Lock) -> None:
    client = Client(port, timeout=15)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while not stop.is_set():
        ref = uuid.uuid4().hex
        body = signal_body(ref)
        for attempt in range(RETRIES):
            status, _ = timed(stats, "POST /api/v1/signals", lambda body=body, ref=ref: client.request(
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


def staff_client(port: int, username: str = "duchashi",
                 password: str = "demo-duchashi-2026") -> Client:  # noqa: S107  (the demo's published login)
    client = Client(port, timeout=15)
    if not client.login(username, password):
        raise RuntimeError(f"could not log in as {username}")
    return client


def tip_noter(client: Client, tip_ids: list[int], stop: threading.Event, stats: Stats, notes: list[str],
              lock: threading.Lock) -> None:
    """A staff member adding notes to tips (a read, then a write, on every click)."""
    n = 0
    while not stop.is_set():
        tip_id = tip_ids[n % len(tip_ids)]
        n += 1
        status, page = timed(stats, "GET /tips/N", lambda tip_id=tip_id: client.request("GET", f"/tips/{tip_id}"))
        match = CSRF.search(page.decode("utf-8", "replace")) if status == 200 else None
        if match is None:
            continue
        text = f"bench note {uuid.uuid4().hex}"
        body = f"csrf_token={match.group(1)}&kind=note&body={text.replace(' ', '+')}".encode()
        status, _ = timed(stats, "POST /tips/N/reply", lambda tip_id=tip_id, body=body: client.request(
            "POST", f"/tips/{tip_id}/reply", body, {"Content-Type": "application/x-www-form-urlencoded"}))
        if status == 302:
            with lock:
                notes.append(text)
    client.close()


def queue_reader(client: Client, task_ids: list[int], stop: threading.Event, stats: Stats) -> None:
    """A staff member reading the review queue, or task pages when ``task_ids`` are given."""
    n = 0
    while not stop.is_set():
        if task_ids:
            task_id = task_ids[n % len(task_ids)]
            timed(stats, "GET /review/tasks/N",
                  lambda task_id=task_id: client.request("GET", f"/review/tasks/{task_id}"))
        else:
            timed(stats, "GET /review/", lambda: client.request("GET", "/review/"))
        n += 1
    client.close()


def ids_on(port: int, path: str, pattern: str) -> list[int]:
    _status, page = staff_client(port).request("GET", path)
    return sorted({int(found) for found in re.findall(pattern, page.decode("utf-8", "replace"))})[:20]


def sqlite_mode(args: argparse.Namespace) -> None:
    """The embedded default under the mixed load, served as ``duban serve`` serves it."""
    with instance(None) as inst, gunicorn(inst, workers=2, threads=4) as (port, process):
        print(f"SQLite at {inst.url}")
        rows, notes, stored_notes, accepted, unanswered = mixed_load(args, inst, port, process)
    report(rows, accepted, unanswered)
    report_notes(notes, stored_notes)


def postgres_mixed_mode(args: argparse.Namespace) -> None:
    """The mixed load on PostgreSQL, 3 workers, Redis and a job consumer (docs/deployment.md)."""
    with instance(args.server) as inst, redis_server() as redis_url:
        settings = {"DUBAN_JOBS_URL": f"{redis_url}/0", "DUBAN_RATELIMIT_STORAGE_URI": f"{redis_url}/1"}
        with consumer(inst, settings), gunicorn(inst, workers=3, settings=settings) as (port, process):
            print(f"PostgreSQL at {inst.url}, Redis at {redis_url}")
            rows, notes, stored_notes, accepted, unanswered = mixed_load(args, inst, port, process, cut=True)
    report(rows, accepted, unanswered)
    report_notes(notes, stored_notes)


def mixed_load(args: argparse.Namespace, inst: Instance, port: int, process: subprocess.Popen[bytes],
               cut: bool = False) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
    """A quarter each: signal posters, staff adding tip notes, queue readers, task page readers.

    Returns the stored signal refs and note texts, counted before the scratch database is dropped."""
    stats, stop, lock = Stats(), threading.Event(), threading.Lock()
    accepted: list[str] = []
    unanswered: list[str] = []
    notes: list[str] = []
    token = inst.tokens["duchashi"]
    tip_ids = ids_on(port, "/tips/", r'href="/tips/(\d+)"')
    task_ids = ids_on(port, "/review/", r'href="/review/tasks/(\d+)"')
    print(f"{len(tip_ids)} tips and {len(task_ids)} tasks in use")
    threads = []
    target: Callable[..., None]
    extra: tuple[object, ...]
    for i in range(args.clients):  # staff log in one after another, before the load starts
        kind = i % 4
        if kind == 0:
            target, extra = submitter, (port, token, stop, stats, accepted, unanswered, lock)
        elif kind == 1:
            target, extra = tip_noter, (staff_client(port), tip_ids, stop, stats, notes, lock)
        elif kind == 2:
            target, extra = queue_reader, (staff_client(port), [], stop, stats)
        else:
            target, extra = queue_reader, (staff_client(port), task_ids, stop, stats)
        threads.append(threading.Thread(target=target, args=extra, daemon=True))
    start = time.monotonic()
    for thread in threads:
        thread.start()
    faults(args, inst, process, start, cut)
    time.sleep(max(args.duration - (time.monotonic() - start), 0))
    stop.set()
    for thread in threads:
        thread.join(120)
    stats.print(time.monotonic() - start)
    engine = create_engine(normalise_url(inst.url))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT ref FROM signals WHERE source = 'bench'")).scalars().all()
        stored_notes = connection.execute(text(
            "SELECT body FROM tips_messages WHERE body LIKE 'bench note %'")).scalars().all()
    engine.dispose()
    return list(rows), notes, list(stored_notes), accepted, unanswered


def faults(args: argparse.Namespace, inst: Instance, process: subprocess.Popen[bytes], start: float,
           cut: bool) -> None:
    """A third of the way in, kill a worker; a sixth later, cut the database connections for 3 s."""
    if args.no_kill:
        return
    time.sleep(args.duration / 3)
    victim = worker_pids(process.pid)[0]
    os.kill(victim, signal.SIGKILL)
    print(f"t={time.monotonic() - start:.1f}s killed gunicorn worker {victim}")
    if cut:
        time.sleep(args.duration / 6)
        ended = cut_connections(inst.url, 3)
        print(f"t={time.monotonic() - start:.1f}s cut {ended} database connections for 3 s, then restored them")


def report(rows: Sequence[str], accepted: list[str], unanswered: list[str]) -> None:
    stored = set(rows)
    accepted_set = set(accepted)
    lost = accepted_set - stored
    duplicated = len(rows) - len(stored)
    print(f"accepted {len(accepted_set)}, stored {len(rows)}, lost {len(lost)}, duplicated {duplicated}")
    print(f"gave up after {RETRIES} tries: {len(unanswered)} "
          f"(of which stored without an answer reaching the client: {len(set(unanswered) & stored)})")


def report_notes(notes: list[str], stored_notes: list[str]) -> None:
    print(f"staff notes answered {len(notes)}, stored {len(stored_notes)}, "
          f"lost {len(set(notes) - set(stored_notes))}, duplicated {len(stored_notes) - len(set(stored_notes))}")


def cut_connections(url: str, seconds: float) -> int:
    """Refuse new connections to the database, end the open ones, and allow them again."""
    from sqlalchemy.engine import make_url

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
    parser.add_argument("--sqlite", action="store_true", help="the embedded default: a SQLite file, 2 workers")
    parser.add_argument("--mixed", action="store_true",
                        help="the mixed load on PostgreSQL: 3 workers, Redis, a job consumer")
    parser.add_argument("--no-kill", action="store_true", help="kill no worker and cut no connection")
    args = parser.parse_args()
    if args.sqlite:
        sqlite_mode(args)
        return
    if args.mixed:
        postgres_mixed_mode(args)
        return
    with instance(args.server) as inst, gunicorn(inst, workers=4) as (port, process):
        stats, stop, lock = Stats(), threading.Event(), threading.Lock()
        accepted: list[str] = []
        unanswered: list[str] = []
        token = inst.tokens["duchashi"]
        threads = []
        target: Callable[..., None]
        extra: tuple[object, ...]
        for i in range(args.clients):
            if i % 2 == 0:
                target, extra = submitter, (accepted, unanswered, lock)
            else:
                target, extra = reader, ()
            threads.append(threading.Thread(target=target, args=(port, token, stop, stats, *extra), daemon=True))
        start = time.monotonic()
        for thread in threads:
            thread.start()
        faults(args, inst, process, start, cut=True)
        time.sleep(max(args.duration - (time.monotonic() - start), 0))
        stop.set()
        for thread in threads:
            thread.join(120)
        stats.print(time.monotonic() - start)
        # The scratch database is dropped on leaving ``instance``: count first.
        engine = create_engine(normalise_url(inst.url))
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT ref FROM signals WHERE source = 'bench'")).scalars().all()
        engine.dispose()
    report(rows, accepted, unanswered)


if __name__ == "__main__":
    main()
