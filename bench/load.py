"""Load: concurrent clients against gunicorn (4 workers) on PostgreSQL.

Clients mix public tip submissions, survey submissions, staff review-queue views (the
ledger when no queue page exists yet) and API reads, for a fixed time. Prints the
throughput, the median and 99th percentile per endpoint, and the error count.
Endpoints a plugin has not mounted yet are skipped with a note.

    .venv/bin/python bench/load.py                            # 200 clients, 60 s
    .venv/bin/python bench/load.py --clients 20 --duration 10
    .venv/bin/python bench/load.py --server postgresql://postgres@127.0.0.1:5432/postgres
"""
from __future__ import annotations

import argparse
import re
import threading
import time
import uuid

from loadkit import DEFAULT_SERVER, Client, Stats, gunicorn, instance, timed

SELECT = re.compile(r'name="([\w/.-]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*value="([^"]+)"')
INPUT = re.compile(r'<input([^>]*)>')
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
TEXTAREA = re.compile(r'<textarea[^>]*name="([^"]+)"')
SURVEY_LINK = re.compile(r'/s/([\w-]+)')


def answers(page: str) -> dict[str, str]:
    """Plausible answers to every field of a survey form: first choices, numbers, short text."""
    fields = first_choices(page)
    for raw in INPUT.findall(page):
        attrs = dict(ATTR.findall(raw))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or name == "csrf_token" or name in fields:
            continue
        if kind == "hidden":
            fields[name] = attrs.get("value", "")
        elif kind in ("radio", "checkbox"):
            fields[name] = attrs.get("value", "1")
        elif kind == "number":
            fields[name] = attrs.get("min", "3")
        elif kind in ("text", "date", "email", "tel"):
            fields[name] = "2026-11-01" if kind == "date" else "好"
    for name in TEXTAREA.findall(page):
        fields.setdefault(name, "总体满意。")
    return fields


def first_choices(page: str) -> dict[str, str]:
    """The first non-empty option of every select on ``page``."""
    found = {}
    for name, options in SELECT.findall(page):
        values = OPTION.findall(options)
        if values:
            found[name] = values[0]
    return found


def probe(port: int, tokens: dict[str, str]) -> dict[str, str | None]:
    """Which mixes can run: the path to use, or None with a note printed."""
    client = Client(port)
    paths: dict[str, str | None] = {}
    status, _ = client.request("GET", "/tips/new")
    paths["tip_submit"] = "/tips/new" if status == 200 else None
    paths["survey_submit"] = None
    staff = Client(port)
    staff.login("duchashi", "demo-duchashi-2026")
    status, page = staff.request("GET", "/surveys/")
    for slug in SURVEY_LINK.findall(page.decode("utf-8", "replace")) if status == 200 else ():
        if client.request("GET", f"/s/{slug}")[0] == 200:
            paths["survey_submit"] = f"/s/{slug}"
            break
    paths["staff_queue"] = None
    for candidate in ("/review/", "/queue/"):
        if staff.request("GET", candidate)[0] == 200:
            paths["staff_queue"] = candidate
            break
    for name, path in paths.items():
        if path is None:
            print(f"note: {name} skipped: the page is not mounted in this build")
    if paths["staff_queue"] is None:
        print("note: staff clients view the ledger (/ledger/) instead of the review queue")
    return paths


def run_client(index: int, port: int, tokens: dict[str, str], paths: dict[str, str | None],
               stop: threading.Event, stats: Stats) -> None:
    client = Client(port)
    kind = ("tip", "survey", "staff", "api", "api")[index % 5]
    if kind == "survey" and not paths["survey_submit"]:
        kind = "tip" if paths["tip_submit"] else "api"
    if kind == "tip" and not paths["tip_submit"]:
        kind = "api"
    if kind == "staff" and not client.login("duchashi", "demo-duchashi-2026"):
        kind = "api"
    bearer = {"Authorization": f"Bearer {tokens['duchashi']}"}
    while not stop.is_set():
        if kind == "tip":
            def submit() -> tuple[int, bytes]:
                status, page = client.request("GET", "/tips/new")
                if status != 200:
                    return status, page
                fields = first_choices(page.decode("utf-8", "replace"))
                fields.pop("region", None)
                fields["text"] = f"压力测试线索 {uuid.uuid4().hex[:8]}：村道修缮迟迟未动工。"
                return client.form("/tips/new", fields)

            timed(stats, "POST /tips/new", submit)
        elif kind == "survey":
            survey_path = paths["survey_submit"]
            assert survey_path is not None  # checked above: without a survey this client files tips

            def respond(path: str = survey_path) -> tuple[int, bytes]:
                status, page = client.request("GET", path)
                if status != 200:
                    return status, page
                return client.form(path, answers(page.decode("utf-8", "replace")))

            timed(stats, "POST /s/<survey>", respond)
        elif kind == "staff":
            path = paths["staff_queue"] or "/ledger/"
            timed(stats, f"GET {path}", lambda path=path: client.request("GET", path))
        else:
            path = ("/api/v1/tasks?limit=20", "/api/v1/matters?limit=20", "/api/v1/signals?limit=20")[index % 3]
            timed(stats, f"GET {path.split('?')[0]}", lambda path=path: client.request("GET", path, headers=bearer))
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="a PostgreSQL server URL")
    args = parser.parse_args()
    with instance(args.server) as inst, gunicorn(inst, workers=args.workers) as (port, _process):
        paths = probe(port, inst.tokens)
        stats, stop = Stats(), threading.Event()
        threads = [threading.Thread(target=run_client, args=(i, port, inst.tokens, paths, stop, stats), daemon=True)
                   for i in range(args.clients)]
        print(f"{args.clients} clients, {args.workers} gunicorn workers, PostgreSQL, {args.duration:.0f} s")
        start = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(35)
        stats.print(time.monotonic() - start)


if __name__ == "__main__":
    main()
