"""schemathesis against a served instance's JSON API, every phase including the stateful one.

The demo province is served by gunicorn (PostgreSQL by default, or SQLite), an administrator's
API token is made, and ``schemathesis run`` reads ``/api/v1/openapi.json`` and runs its phases:
examples, coverage (boundary and invalid values of every parameter), fuzzing, and stateful
sequences that follow the document's links (a posted tip read back, a listed task opened, …).
Every check is on: server errors, status codes, content types, headers and bodies conforming to
the document, invalid data refused, valid data accepted, 405 with ``Allow``, authentication
not ignored (bench/api_fuzz.toml says what the checks expect, and why). Prints how many
cases ran, server errors and conformance failures (both 0).

    .venv/bin/python bench/api_fuzz.py                        # PostgreSQL, 100 examples per operation
    .venv/bin/python bench/api_fuzz.py --sqlite --max-examples 30
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from loadkit import DEFAULT_SERVER, ROOT, gunicorn, instance

PHASES = "examples,coverage,fuzzing,stateful"
CONFIG = os.path.join(ROOT, "bench", "api_fuzz.toml")  # what the checks expect, and why


def run_schemathesis(port: int, token: str, args: argparse.Namespace, report: str) -> int:
    command = [os.path.join(ROOT, ".venv", "bin", "schemathesis"), "--config-file", CONFIG, "run",
               f"http://127.0.0.1:{port}/api/v1/openapi.json",
               "--header", f"Authorization: Bearer {token}",
               "--checks", "all", "--phases", args.phases, "--max-examples", str(args.max_examples),
               "--seed", str(args.seed), "--workers", "1", "--request-timeout", "30",
               "--generation-database", "none", "--no-color",
               "--report", "json", "--report-json-path", report]
    return subprocess.run(command, cwd=ROOT).returncode


def print_figures(report: str, database: str, phases: str) -> None:
    """Cases run, server errors and conformance failures, from schemathesis' JSON run report."""
    with open(report, encoding="utf-8") as stream:
        run = json.load(stream)
    cases = run["test_cases"]
    ran = [name for name, phase in run["phases"].items() if phase["status"] != "skip"]
    print(f"\nschemathesis on {database}, phases {phases} (ran: {', '.join(ran)}): "
          f"{cases['generated']} cases, {cases['with_failures']} with failures, {cases['errored']} errored; "
          f"{run['operations']['tested']} of {run['operations']['selected']} operations tested")
    server_errors = sum(group["count"] for group in run["failures"] if group["type"] == "not_a_server_error")
    conformance = [group for group in run["failures"] if group["type"] != "not_a_server_error"]
    print(f"server errors: {server_errors}; conformance failures: {sum(group['count'] for group in conformance)}")
    for group in run["failures"]:
        print(f"  {group['count']:>4} {group['type']}: {group['title']} ({', '.join(group['operations'])})")
    for error in run["errors"]:
        print(f"  error: {error['count']} × {error['title']}")
    print(f"run report: {report}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="a PostgreSQL server URL")
    parser.add_argument("--sqlite", action="store_true", help="serve a SQLite file instead")
    parser.add_argument("--max-examples", type=int, default=100, help="cases per operation and phase")
    parser.add_argument("--phases", default=PHASES)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    report = os.path.join(tempfile.mkdtemp(prefix="duban-api-fuzz-"), "run.json")
    with instance(None if args.sqlite else args.server) as inst, gunicorn(inst, workers=2, threads=4) as (port, _):
        code = run_schemathesis(port, inst.tokens["admin"], args, report)
    print_figures(report, "SQLite" if args.sqlite else "PostgreSQL", args.phases)
    sys.exit(code)


if __name__ == "__main__":
    main()
