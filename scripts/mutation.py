"""Mutation testing of the modules that guard permissions, sampling, the audit trail, import
atomicity and the rate limits (a developer tool, run on demand: not part of .ci/run).

    python -m scripts.mutation                 # every target, two workers
    python -m scripts.mutation scope sampling  # some targets
    python -m scripts.mutation --survivors     # also print the diff of every surviving mutant
    python -m scripts.mutation --survivors-again audit  # only the last run's survivors, with today's tests
    python -m scripts.mutation --list          # the targets, their modules and tests

Needs the ``mutation`` extra (``pip install -e '.[mutation]'``: mutmut 3). Each target runs in a
copy of the tree under ``build/mutation/<target>/``, with its own ``[tool.mutmut]`` section:
mutmut copies that tree again into ``mutants/``, rewrites the target's modules there and puts
``mutants/`` first on ``sys.path``, so the tests import the mutated copy rather than the
checkout the editable install points at (the install's finder only answers for names nothing on
``sys.path`` provides). mutmut's forced-fail run, in which every mutated function raises, stops
the target when the tests do not see the mutated copy. Each mutant is tested by the target's tests
that call the mutated function, on SQLite (``DUBAN_TEST_DATABASE_URL`` is unset for the run).

Prints, per target, killed / survived / other / total and the time taken, and writes them to
``build/mutation/summary.json``. docs/testing.md records the scores and the surviving mutants
judged equivalent.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "mutation"
# The tree a test run needs; mutmut copies the source folders and tests/ into mutants/.
SOURCES = ("core", "web", "plugins")
COPIED = (*SOURCES, "tests")


@dataclass(frozen=True)
class Target:
    """Modules mutated together and the tests that exercise them."""

    modules: tuple[str, ...]
    tests: tuple[str, ...]
    why: str


TARGETS: dict[str, Target] = {
    "scope": Target(
        ("core/access/scope.py",),
        ("tests/core/access/test_scope.py", "tests/core/access/test_assignments.py"),
        "who may read and change what: capabilities, units, leaders' read-only scope",
    ),
    "sampling": Target(
        ("core/review/sampling.py",),
        ("tests/core/review/test_sampling.py",),
        "a round's visits: the ranked part, the random share, its inclusion probabilities",
    ),
    "audit": Target(
        ("core/audit_log.py", "core/audit_keys.py", "core/audit_checkpoints.py"),
        ("tests/core/test_audit_log.py", "tests/core/test_audit_chain_reports.py",
         "tests/core/test_audit_checkpoints.py"),
        "the keyed hash chain, its keys and signed checkpoints",
    ),
    "imports": Target(
        ("core/intake.py", "core/importing/report.py"),
        ("tests/core/test_intake.py", "tests/core/importing/test_importing_report.py",
         "tests/core/review/test_imports.py", "tests/core/ledger/test_import.py",
         "tests/core/test_signals_import.py"),
        "an import is every row or none",
    ),
    "ratelimit": Target(
        ("web/ratelimit.py",),
        ("tests/web/test_ratelimit_storage.py", "tests/web/test_rate_limits.py",
         "tests/plugins/survey/test_rate_limit.py", "tests/plugins/media_tips/test_rate_limit.py"),
        "the limiter's storage and the views that count their own requests",
    ),
}



@dataclass(frozen=True)
class Patch:
    """One textual change to one module: ``old`` (found exactly once) becomes ``new``."""

    module: str
    old: str
    new: str


@dataclass(frozen=True)
class NamedMutant:
    """A change written by hand that the target's tests must catch, beyond mutmut's operators."""

    target: str
    patches: tuple[Patch, ...]
    why: str
    tests: tuple[str, ...] = ()  # the target's when empty


# Rules whose removal once passed the whole suite: each is removed outright (mutmut's operators only
# alter a rule's parts) and the target's tests are run against the result.
NAMED: dict[str, NamedMutant] = {
    "leaders-write": NamedMutant("scope", (
        Patch("core/access/scope.py",
              '        if self.role == Role.leader and action == "write":\n'
              "            return stmt.where(false())  # leaders read; staff act\n", ""),
    ), "leaders may change the records of their units"),
    "one-random-visit": NamedMutant("sampling", (
        Patch("core/review/sampling.py", "max(1, int(round(budget * random_share)))",
              "int(round(budget * random_share))"),
    ), "a small random share rounds to no random visit"),
    "survey-rate-limit": NamedMutant("ratelimit", (
        Patch("web/plugin_api.py",
              '    return cast("Callable[[View], View]", limiter.limit(limit, methods=list(methods) if methods '
              "else None))",
              "    return lambda view: view"),
        Patch("web/ratelimit.py", "    if not limiter.enabled:\n        return\n", "    return\n"),
    ), "the survey's public pages take any number of requests", ("tests/plugins/survey/test_rate_limit.py",)),
}
# A module that fails on import: the tests must fail with it, which shows they import the copy.
BROKEN = 'raise ImportError("scripts.mutation: the tests imported the mutated copy")\n'

# mutmut's exit codes of a mutant's test run, as it reports them (mutmut.stats.status_by_exit_code).
KILLED = {1: "killed", 3: "killed", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          37: "caught by type check"}
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", None: "not checked"}


def _status(code: int | None) -> str:
    return KILLED.get(code, STATUS.get(code, "suspicious")) if code is not None else "not checked"


def _mutmut_section(target: Target) -> str:
    def toml_list(values: tuple[str, ...] | list[str]) -> str:
        return "[" + ", ".join(json.dumps(value) for value in values) + "]"

    return "\n".join([
        "",
        "[tool.mutmut]",
        f"source_paths = {toml_list(SOURCES)}",
        f"only_mutate = {toml_list(target.modules)}",
        f"pytest_add_cli_args_test_selection = {toml_list(target.tests)}",
        # The suite's own options (testpaths, import mode) come from [tool.pytest.ini_options].
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]',
        "use_git_change_detection = false",
        "",
    ])


def prepare(name: str, target: Target) -> Path:
    """A fresh copy of the tree for ``target``, with its mutmut configuration."""
    work = BUILD / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for folder in COPIED:
        shutil.copytree(ROOT / folder, work / folder, ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(pyproject + _mutmut_section(target), encoding="utf-8")
    return work


def exit_codes(work: Path, target: Target) -> dict[str, int | None]:
    """Every mutant of ``target`` and mutmut's exit code of its test run (None: not run)."""
    codes: dict[str, int | None] = {}
    for module in target.modules:
        meta = work / "mutants" / (module + ".meta")
        if meta.exists():
            codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def keep_verdicts(work: Path, target: Target, previous: dict[str, int | None]) -> None:
    """Put back the verdicts a rerun left unchecked (mutmut drops them when the test selection
    changes): those mutants were killed before, and a test added cannot revive them."""
    for module in target.modules:
        meta = work / "mutants" / (module + ".meta")
        if not meta.exists():
            continue
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data["exit_code_by_key"]
        for mutant, code in codes.items():
            if code is None and previous.get(mutant) is not None:
                codes[mutant] = previous[mutant]
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")


def results(work: Path, target: Target) -> dict[str, str]:
    """Every mutant of ``target`` and its status, read from mutmut's files."""
    return {mutant: _status(code) for mutant, code in exit_codes(work, target).items()}


def refresh_tests(name: str, target: Target) -> tuple[Path, list[str]]:
    """The previous run's copy for ``target`` with today's tests, and the mutants that survived it
    (or that no test reached).

    Valid while the target's modules are unchanged since that run (mutmut keeps every verdict,
    and a test added cannot let a killed mutant live): only the survivors are tested again.
    """
    work = BUILD / name
    if not (work / "mutants").exists():
        raise SystemExit(f"{name}: no previous run to continue; run it in full first")
    for module in target.modules:
        if (work / module).read_bytes() != (ROOT / module).read_bytes():
            raise SystemExit(f"{name}: {module} changed since the previous run; run it in full")
    survivors = sorted(mutant for mutant, status in results(work, target).items()
                       if status in {"survived", "no tests"})
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    mutated = {(ROOT / module).resolve() for module in target.modules}

    def keep_mutated(folder: str, names: list[str]) -> set[str]:
        skipped = set(ignore(folder, names))
        return skipped | {name for name in names if (Path(folder) / name).resolve() in mutated}

    for copy in (work / "tests", work / "mutants" / "tests"):
        shutil.rmtree(copy)
        shutil.copytree(ROOT / "tests", copy, ignore=ignore)
    # The rest of the tree as it is today (the tests import it), the mutated modules left as they are.
    for folder in SOURCES:
        shutil.copytree(ROOT / folder, work / folder, ignore=ignore, dirs_exist_ok=True)
        shutil.copytree(ROOT / folder, work / "mutants" / folder, ignore=keep_mutated, dirs_exist_ok=True)
    # Which tests reach which function is traced again: a test changed since may reach others now.
    (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8") + _mutmut_section(target)
    for path in (work / "pyproject.toml", work / "mutants" / "pyproject.toml"):
        path.write_text(pyproject, encoding="utf-8")
    return work, survivors


def run(name: str, target: Target, workers: int, survivors: bool, again: bool = False) -> dict[str, object]:
    names: list[str] = []
    previous: dict[str, int | None] = {}
    if again:
        work, names = refresh_tests(name, target)
        previous = exit_codes(work, target)
    else:
        work = prepare(name, target)
    env = {key: value for key, value in os.environ.items() if key != "DUBAN_TEST_DATABASE_URL"}
    mutmut = Path(sys.executable).with_name("mutmut")
    started = time.monotonic()
    completed = subprocess.run([str(mutmut), "run", "--max-children", str(workers), *names], cwd=work, env=env,
                               capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if again:
        keep_verdicts(work, target, previous)
    statuses = results(work, target)
    if completed.returncode != 0 or not statuses:
        sys.stdout.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit(f"{name}: mutmut failed (exit {completed.returncode}); see {work}")
    counts = Counter(statuses.values())
    killed = counts["killed"] + counts["timeout"] + counts["caught by type check"]
    survived = sorted(mutant for mutant, status in statuses.items() if status == "survived")
    print(f"{name:10} killed {killed:4} / {len(statuses):4}  survived {len(survived):3}  "
          f"other {len(statuses) - killed - len(survived):3}  {seconds:6.0f} s")
    other = sorted(f"{mutant} ({status})" for mutant, status in statuses.items()
                   if status not in {"killed", "timeout", "caught by type check", "survived"})
    for mutant in survived + other:
        print(f"    {mutant}")
        if survivors and mutant in statuses:
            shown = subprocess.run([str(mutmut), "show", mutant], cwd=work, capture_output=True, text=True,
                                   check=False)
            print("\n".join("      " + line for line in shown.stdout.splitlines()[1:]))
    return {"killed": killed, "survived": len(survived), "total": len(statuses), "seconds": round(seconds),
            "survivors": survived, "other": other}


def _pytest(work: Path, tests: tuple[str, ...]) -> int:
    env = {key: value for key, value in os.environ.items() if key != "DUBAN_TEST_DATABASE_URL"}
    # pytest puts the copy first on sys.path (pythonpath = ["."] of its configuration), ahead of
    # the editable install's finder.
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests], cwd=work,
                          env=env, capture_output=True, text=True, check=False).returncode


def run_named(name: str, mutant: NamedMutant) -> dict[str, object]:
    """Apply ``mutant`` to a copy of the tree and run its target's tests; first check they see the copy."""
    target = TARGETS[mutant.target]
    tests = mutant.tests or target.tests
    work = prepare(f"named-{name}", target)
    module = work / mutant.patches[0].module
    original = module.read_text(encoding="utf-8")
    module.write_text(BROKEN + original, encoding="utf-8")
    if _pytest(work, tests) == 0:
        raise SystemExit(f"{name}: the tests passed with {mutant.patches[0].module} broken: they import another copy")
    module.write_text(original, encoding="utf-8")
    for patch in mutant.patches:
        path = work / patch.module
        text = path.read_text(encoding="utf-8")
        if text.count(patch.old) != 1:
            raise SystemExit(f"{name}: the text to change is not found once in {patch.module}; update NAMED")
        path.write_text(text.replace(patch.old, patch.new), encoding="utf-8")
    started = time.monotonic()
    code = _pytest(work, tests)
    status = "survived" if code == 0 else "killed"
    print(f"{name:18} {status:8} {time.monotonic() - started:5.0f} s  ({mutant.why})")
    return {"status": status, "exit": code}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", metavar="target", help=f"some of: {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--workers", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--survivors", action="store_true", help="print each surviving mutant's diff")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--survivors-again", action="store_true",
                        help="test only the previous run's survivors again, with today's tests (modules unchanged)")
    parser.add_argument("--named", action="store_true",
                        help="run only the named mutants (rules removed outright) of the targets")
    options = parser.parse_args(argv)
    if options.list:
        for name, target in TARGETS.items():
            print(f"{name}: {target.why}\n  mutates {' '.join(target.modules)}\n  tests   {' '.join(target.tests)}")
        for name, mutant in NAMED.items():
            print(f"named {name} ({mutant.target}): {mutant.why}")
        return 0
    unknown = set(options.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    if shutil.which("mutmut", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("mutmut is not installed: pip install -e '.[mutation]'")
    chosen = options.targets or list(TARGETS)
    if options.named:
        summary = {f"named:{name}": run_named(name, mutant) for name, mutant in NAMED.items()
                   if mutant.target in chosen}
    else:
        summary = {name: run(name, TARGETS[name], options.workers, options.survivors, options.survivors_again)
                   for name in chosen}
    BUILD.mkdir(parents=True, exist_ok=True)
    path = BUILD / "summary.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    path.write_text(json.dumps({**previous, **summary}, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
