"""How many survey answers Duban takes per second, against a bare Flask + SQLAlchemy insert.

Serves Duban with gunicorn (2 workers of 8 threads) on loopback with a published 20-question
survey, and next to it a bare Flask app whose one endpoint inserts one row. N concurrent respondents
each open the form (not timed: it gives the browser cookie and the form's token), then send
their answers (timed). A few respondents click twice, as people do. Prints responses per
second (distinct respondents: a double click's second send is not counted) and p99 latency of
both, their ratio, then counts stored responses and prints how
many acknowledged answers were lost and how many were stored twice.

    .venv/bin/python bench/survey_submit.py                      # SQLite in a temporary folder
    .venv/bin/python bench/survey_submit.py --url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/survey_submit.py --clients 50 --respondents 10000 --rounds 5

The two servers run side by side and the respondents are sent in rounds that alternate
between them, so that both meet the same machine; each side's figure is its median round.

A PostgreSQL URL names a server: scratch databases are created there and dropped afterwards.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
QUESTIONS = 20
DOUBLE_CLICK_EVERY = 20  # one respondent in 20 sends the form twice
THREADS = 8  # per gunicorn worker, for both servers

BARE_APP = '''
import os
from flask import Flask, request
from sqlalchemy import JSON, Column, Integer, String, create_engine, insert
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Row(Base):
    __tablename__ = "bare_responses"
    id = Column(Integer, primary_key=True)
    key = Column(String(64), unique=True)
    answers = Column(JSON)


url = os.environ["BARE_DATABASE_URL"]
engine = create_engine(url,
                       connect_args={"timeout": 10, "check_same_thread": False} if url.startswith("sqlite") else {},
                       pool_size=int(os.environ["BARE_POOL_SIZE"]))
if url.startswith("sqlite"):
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
app = Flask(__name__)


@app.post("/submit")
def submit():
    answers = request.form.to_dict()
    with engine.begin() as connection:
        connection.execute(insert(Row).values(key=answers.pop("key"), answers=answers))
    return "", 201
'''


def form_csv() -> bytes:
    """A 20-question XLSForm in pyxform's CSV layout: choices, numbers with constraints, text, skip logic."""
    lines = ["survey,type,name,label,required,relevant,constraint,constraint_message"]
    for number in range(1, QUESTIONS + 1):
        if number % 4 == 1:
            lines.append(f",select_one sat,q{number},Question {number},yes,,,")
        elif number % 4 == 2:
            lines.append(f",integer,q{number},Question {number},yes,,. >= 0 and . <= 100,0 to 100")
        elif number % 4 == 3:
            lines.append(f",select_one yn,q{number},Question {number},,${{q{number - 2}}} != 'bad',,")
        else:
            lines.append(f",text,q{number},Question {number},,,string-length(.) <= 200,too long")
    lines += ["choices,list_name,name,label", ",sat,good,Good", ",sat,fair,Fair", ",sat,bad,Bad",
              ",yn,yes,Yes", ",yn,no,No"]
    return ("\n".join(lines) + "\n").encode()


def answers(respondent: int) -> dict[str, str]:
    values = {}
    for number in range(1, QUESTIONS + 1):
        kind = number % 4
        values[f"q{number}"] = (["good", "fair", "bad"][respondent % 3] if kind == 1 else
                                str(respondent % 101) if kind == 2 else
                                ("yes" if respondent % 2 else "no") if kind == 3 else f"意见 {respondent}")
    return values


def prepare_duban(url: str, folder: str) -> tuple[dict[str, str], str, int]:
    """Migrate, add a unit and publish the survey; returns the environment, slug and survey id."""
    from web.app import create_app

    env = {**os.environ, "DUBAN_DATABASE_URL": url, "DUBAN_INSTANCE": folder, "DUBAN_SECRET_KEY": "bench-secret",
           "DUBAN_PUBLIC_RATE_LIMIT": "1000000 per minute", "DUBAN_SESSION_COOKIE_SECURE": "false"}
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench-secret"})
    from core.migrate import upgrade
    from core.org.models import Unit, UnitLevel
    from core.org.units import save_unit
    from core.plugins import migration_dirs
    from plugins.survey import service

    database = app.extensions["duban.db"]
    upgrade(database.engine, migration_dirs(app.extensions["duban.plugins"]))
    with database.transaction(actor="bench") as session:
        unit = save_unit(session, Unit(), code="990000", name="示范省", level=UnitLevel.province,
                         region_code="990000", parent=None)
        survey = service.create_survey(session, form_csv(), owner_unit_id=unit.id, source_name="bench.csv",
                                       publish=True)
        session.flush()
        slug, survey_id = survey.slug, survey.id
    database.dispose()
    return env, slug, survey_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict[str, str], cwd: str, probe: str, threads: int) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "--workers", "2", "--threads", str(threads),
         "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--no-control-socket", app],
        env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", probe)
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def opened_form(port: int, slug: str) -> tuple[str, str, str]:
    """Open the form as a respondent: (cookie header, browser cookie, form token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/s/{slug}")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    conn.close()
    jar = "; ".join(f"{key}={morsel.value}" for key, morsel in cookie.items())
    found = TOKEN.search(page)
    assert found is not None, page
    return jar, cookie["duban_browser"].value, found.group(1)


def drive(port: int, path: str, bodies: list[tuple[dict[str, str], bytes, int]],
          clients: int) -> tuple[float, list[float], set[int], int]:
    """Send every body (repeats included) from ``clients`` threads.

    Returns (seconds, latencies, respondents acknowledged at least once, sends refused or failed).
    """
    latencies: list[float] = []
    acknowledged: set[int] = set()
    failed = 0
    lock = threading.Lock()
    queue = list(enumerate(bodies))

    def worker() -> None:
        nonlocal failed
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                index, (headers, body, sends) = queue.pop()
            for _ in range(sends):
                start = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    if response.status in (201, 303):
                        acknowledged.add(index)
                    else:
                        failed += 1
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, acknowledged, failed


def token_key(body: bytes, browser: str) -> str:
    """The submission key Duban derives from the form token in ``body``, opened in ``browser``."""
    from urllib.parse import parse_qs

    from plugins.survey.tokens import form_name, submission_key
    from web.public_forms import check_form_token

    token = parse_qs(body.decode())["form_token"][0]
    return submission_key(check_form_token("bench-secret", token, form_name(int(SURVEY_ID[0])), browser))


SURVEY_ID: list[int] = [0]


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000 if len(values) >= 2 else 0.0


def prepare_bare(url: str | None, bare_url: str, folder: str) -> dict[str, str]:
    """Write the bare app and create its table; returns its environment."""
    from sqlalchemy import create_engine, text

    bare_folder = os.path.join(folder, "bare")
    os.makedirs(bare_folder)
    with open(os.path.join(bare_folder, "bare_app.py"), "w") as handle:
        handle.write(BARE_APP)
    engine = create_engine(bare_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bare_responses (id INTEGER PRIMARY KEY, key VARCHAR(64) UNIQUE, "
                                "answers JSON)" if not url else
                                "CREATE TABLE bare_responses (id SERIAL PRIMARY KEY, key VARCHAR(64) UNIQUE, "
                                "answers JSON)"))
    engine.dispose()
    return {**os.environ, "BARE_DATABASE_URL": bare_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "PYTHONPATH": bare_folder}


def median_rate(rounds: list[tuple[float, int]]) -> float:
    """The median of the rounds' rates (requests per second): one slow round from a busy machine does not count."""
    return statistics.median(sent / seconds for seconds, sent in rounds)


def run(url: str | None, clients: int, respondents: int, rounds: int) -> None:
    """Both servers run side by side; rounds alternate between them, so both meet the same machine."""
    from sqlalchemy import create_engine, select

    from core.db import scratch_database
    from plugins.survey.models import SurveyResponse

    label = "PostgreSQL" if url else "SQLite"
    per_round = respondents // rounds
    with scratch_database(url, "duban_bench_duban") as duban_url, \
            scratch_database(url, "duban_bench_bare") as bare_url, tempfile.TemporaryDirectory() as folder:
        env, slug, survey_id = prepare_duban(duban_url, folder)
        SURVEY_ID[0] = survey_id
        bare_env = prepare_bare(url, bare_url, folder)
        # Each server keeps a database connection per thread, as docs/deployment.md advises;
        # gunicorn parks the other keep-alive connections until a thread is free.
        threads = THREADS
        env["DUBAN_DATABASE_POOL_SIZE"] = bare_env["BARE_POOL_SIZE"] = str(threads)
        with gunicorn("web.app:create_app()", env, ROOT, "/login", threads=threads) as port, \
                gunicorn("bare_app:app", bare_env, os.path.join(folder, "bare"), "/", threads=threads) as bare_port:
            opened: list[tuple[dict[str, str], bytes, int]] = []
            browsers: list[str] = []
            for respondent in range(per_round * rounds):
                cookie, browser, token = opened_form(port, slug)
                body = urlencode({**answers(respondent), "form_token": token}).encode()
                headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
                opened.append((headers, body, 2 if respondent % DOUBLE_CLICK_EVERY == 0 else 1))
                browsers.append(browser)
            bare_bodies = [({"Content-Type": "application/x-www-form-urlencoded"},
                            urlencode({**answers(respondent), "key": f"k{respondent}"}).encode(), 1)
                           for respondent in range(per_round * rounds)]
            latencies: list[float] = []
            bare_latencies: list[float] = []
            duban_rounds: list[tuple[float, int]] = []
            bare_rounds: list[tuple[float, int]] = []
            acknowledged: set[int] = set()
            failed = bare_failed = 0
            for number in range(rounds):
                part = slice(number * per_round, (number + 1) * per_round)
                # The form posts to /s/<slug>/answers; a rate counts distinct respondents, not the
                # double clicks' second sends, which the bare endpoint never gets.
                seconds, took, acked, refused = drive(port, f"/s/{slug}/answers", opened[part], clients)
                duban_rounds.append((seconds, len(opened[part])))
                latencies += took
                acknowledged |= {index + number * per_round for index in acked}
                failed += refused
                seconds, took, _acked, refused = drive(bare_port, "/submit", bare_bodies[part], clients)
                bare_rounds.append((seconds, len(took)))
                bare_latencies += took
                bare_failed += refused
        engine = create_engine(duban_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            stored_keys = list(connection.scalars(select(SurveyResponse.submission_key)
                                                  .where(SurveyResponse.survey_id == survey_id)))
        keys = {token_key(body, browser) for (_headers, body, _sends), browser in zip(opened, browsers, strict=True)}
        acknowledged_keys = {token_key(opened[index][1], browsers[index]) for index in acknowledged}
        engine.dispose()

    duban_rate, bare_rate = median_rate(duban_rounds), median_rate(bare_rounds)
    print(f"{label}, {clients} concurrent clients, {len(opened)} respondents ({QUESTIONS} questions), "
          f"gunicorn 2 workers, {rounds} alternating rounds (median round)")
    print(f"  Duban /s/<slug>:   {duban_rate:8.1f} respondents/s p99 {p99(latencies):7.1f} ms   "
          f"rounds {', '.join(f'{sent / seconds:.0f}' for seconds, sent in duban_rounds)}")
    print(f"  bare Flask insert: {bare_rate:8.1f} respondents/s p99 {p99(bare_latencies):7.1f} ms   "
          f"rounds {', '.join(f'{sent / seconds:.0f}' for seconds, sent in bare_rounds)}")
    print(f"  ratio Duban/bare:  {duban_rate / bare_rate:8.2f}")
    lost = len(acknowledged_keys - set(stored_keys))
    duplicated = len(stored_keys) - len(set(stored_keys)) + len(set(stored_keys) - keys)
    print(f"  stored {len(stored_keys)} of {len(opened)} respondents; {len(acknowledged)} acknowledged, "
          f"{failed} sends failed (bare: {bare_failed})")
    print(f"  lost {lost}, duplicated {duplicated}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("DUBAN_BENCH_DATABASE_URL"),
                        help="a PostgreSQL server URL (default: SQLite in a temporary folder)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--respondents", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of each server")
    args = parser.parse_args()
    run(args.url, args.clients, args.respondents, max(1, args.rounds))


if __name__ == "__main__":
    main()
