"""Targeting: does Duban's review queue send inspectors where the real problems are?

Single-shot evaluation on imported history. For each world of
``bench/targeting_worlds.py`` (province, lagged, inspections) and each fixed
seed, the simulator writes its dated history as files in Duban's import formats;
a fresh instance (temporary folder, SQLite) takes them in through the command
line (``db upgrade``, ``import`` per kind, ``tick``, ``model train``, ``queue
--format csv``; see ``bench/targeting_duban.py``). Today, at the end of the
history, the budget B visits go to the queue's first B rows.

Eligible tasks: every task of the ledger, visited before or not, because a task
checked last year can hold a problem again and the queue itself decides what to
show. Precision = share of the B chosen tasks with a real problem today (the
simulator's truth); normalised lift = (precision - base rate) / (min(1,
problems/B) - base rate).

Baselines are computed by the bench from the simulator's own records, point in time
(``bench/targeting_baselines.py``): each raw evidence column sorted in its bad
direction, and a plain scikit-learn logistic regression on all of them trained on the
same past reviews. Per world: mean lift over the seeds with a 90% t-interval, for Duban
and every baseline; then the targets (Duban's mean lift >= 0.6 and >= every baseline's
mean), and the difference to the best baseline paired by seed, whose interval is
narrower than either mean's since a seed's luck is shared. Duban runs with its defaults:
the queue ordered by the chance of a problem. A diagnostic line, "(duban expected-harm
order)", re-sorts the whole queue by p_problem × impact, the order an office gets with
``order = "expected_harm"`` in its rule file; it is not a baseline. Where a world draws
today's truth from a hidden state with noise of its own (inspections: a failed review is
the establishment's quality plus the day's chance), "(ceiling: ranked by the hidden
state)" ranks by that state, which no policy can see: the best lift the world allows.

    .venv/bin/python bench/targeting.py [--world NAME ...] [--seeds 1,2,3] [--tasks N] [--budget 60] [--quick]
        [--subprocess] [--keep]

``bench/targeting_closed_loop.py`` keeps the earlier closed-loop simulation that
calls Duban's scoring functions directly.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from targeting_baselines import baseline_choices  # noqa: E402
from targeting_duban import run_duban  # noqa: E402
from targeting_worlds import DEFAULT_TASKS, SEEDS, WORLDS, make_world  # noqa: E402

HARM = "(duban expected-harm order)"
CEILING = "(ceiling: ranked by the hidden state)"
QUICK_TASKS = {"province": 300, "lagged": 300, "inspections": 400}


def lift(chosen_truth: np.ndarray, base: float, problems: int, budget: int) -> tuple[float, float]:
    precision = float(chosen_truth.mean()) if len(chosen_truth) else float("nan")
    oracle = min(1.0, problems / budget)
    if oracle <= base:
        return precision, float("nan")
    return precision, (precision - base) / (oracle - base)


def interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and 90% t-interval over seeds."""
    from scipy import stats

    x = np.array([v for v in values if np.isfinite(v)])
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.95, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


def parse_training(text: str) -> dict[str, str]:
    """The figures ``duban model train`` printed, by their label (whatever the labels are)."""
    figures = {}
    for line in text.splitlines():
        match = re.match(r"\s*([^:]{3,60}):\s*(.+)$", line)
        if match and not line.startswith("calibration"):
            figures[match.group(1).strip()] = match.group(2).strip()
    return figures


def run_one(world: str, seed: int, tasks: int | None, budget: int, use_subprocess: bool, keep: bool) -> dict:
    started = time.perf_counter()
    h = make_world(world, seed, tasks)
    truth = h.problem
    problems, base = int(truth.sum()), float(truth.mean())
    result: dict = {"world": world, "seed": seed, "tasks": h.tasks, "problems": problems, "base": base,
                    "reviews": len(h.review_task), "rows": {k: len(v) for k, v in h.rows.items()}, "lift": {},
                    "precision": {}, "notes": h.notes}
    for name, chosen in baseline_choices(h, budget, seed).items():
        result["precision"][name], result["lift"][name] = lift(truth[chosen], base, problems, budget)
    if h.hidden_risk is not None:  # not a baseline: no policy can see the state itself
        best = np.argsort(-h.hidden_risk, kind="stable")[:budget]
        result["precision"][CEILING], result["lift"][CEILING] = lift(truth[best], base, problems, budget)
    task_of = {(h.task_matter[t], h.unit_codes[h.task_unit[t]]): t for t in range(h.tasks)}
    duban = run_duban(h.rows, budget, 100_000, use_subprocess, keep)
    result["duban_problems"] = duban.problems
    result["trained"] = duban.trained
    result["train_output"] = duban.train_output
    result["institution_by"] = duban.institution_by
    result["commands"] = [(" ".join(c.args[:2]), c.code, c.seconds) for c in duban.commands]
    chosen = [task_of.get((row["matter_code"], row["unit_code"]), -1) for row in duban.queue[:budget]]
    unknown = sum(1 for t in chosen if t < 0)
    if unknown:
        result["duban_problems"].append(f"{unknown} queue rows name no task of the history")
    chosen_truth = np.array([bool(truth[t]) if t >= 0 else False for t in chosen])
    if len(chosen_truth) < budget:
        result["duban_problems"].append(f"the queue listed {len(chosen_truth)} tasks, fewer than the budget {budget}")
        chosen_truth = np.concatenate([chosen_truth, np.zeros(budget - len(chosen_truth), dtype=bool)])
    result["precision"]["duban"], result["lift"]["duban"] = lift(chosen_truth, base, problems, budget)
    # Diagnostic, not Duban's default: the whole queue re-sorted by expected harm (p_problem × impact).
    by_harm = sorted(duban.queue, key=lambda row: -float(row.get("p_problem") or 0) * float(row.get("impact") or 1))
    harm_truth = np.array([bool(truth[task_of[(row["matter_code"], row["unit_code"])]])
                           for row in by_harm[:budget] if (row["matter_code"], row["unit_code"]) in task_of])
    if len(harm_truth):
        result["precision"][HARM], result["lift"][HARM] = lift(harm_truth, base, problems, budget)
    result["scoring"] = Counter(row.get("scoring", "?") for row in duban.queue[:budget])
    result["seconds"] = time.perf_counter() - started
    result["duban_seconds"] = duban.seconds()
    return result


def report(world: str, results: list[dict], budget: int) -> bool:
    names = sorted({n for r in results for n in r["lift"]} - {"duban", HARM, CEILING})
    names += [n for n in (HARM, CEILING) if any(n in r["lift"] for r in results)]
    lifts = {n: [r["lift"].get(n, float("nan")) for r in results] for n in ["duban", *names]}
    precisions = {n: [r["precision"].get(n, float("nan")) for r in results] for n in ["duban", *names]}
    print(f"\n== world {world}: {len(results)} seeds ({', '.join(str(r['seed']) for r in results)}), "
          f"{results[0]['tasks']} tasks, budget {budget}; base rate "
          f"{np.mean([r['base'] for r in results]):.3f}, problems today "
          f"{np.mean([r['problems'] for r in results]):.0f}, "
          f"past reviews {np.mean([r['reviews'] for r in results]):.0f}")
    print(f"   rows imported (first seed): {results[0]['rows']}")
    print(f"{'policy':<44}{'precision':>10}{'lift':>8}{'90% interval':>18}")
    rows = []
    for n in ["duban", *names]:
        mean, low, high = interval(lifts[n])
        rows.append((n, float(np.nanmean(precisions[n])), mean, low, high))
    for n, precision, mean, low, high in [rows[0]] + sorted(rows[1:], key=lambda r: -np.nan_to_num(r[2], nan=-9)):
        print(f"{n:<44}{precision:>10.3f}{mean:>8.2f}   [{low:>6.2f}, {high:>5.2f}]")
    duban_mean = rows[0][2]
    best = max((r for r in rows[1:] if not r[0].startswith("(")), key=lambda r: np.nan_to_num(r[2], nan=-9))
    modes = Counter()
    for r in results:
        modes.update(r["scoring"])
    trained = sum(r["trained"] for r in results)
    print(f"   duban model trained in {trained} of {len(results)} seeds; queue rows by scoring: {dict(modes)}")
    fired = sum("a simple ranking beat the fitted models" in (r["train_output"] or "").lower() for r in results)
    print(f"   guardrail (a simple ranking ranked the queue): fired in {fired} of {trained} trainings")
    for r in results:
        figures = parse_training(r["train_output"])
        shown = "; ".join(f"{k}: {v}" for k, v in figures.items()) if r["trained"] else \
            "refused: " + r["train_output"].splitlines()[-1][:160] if r["train_output"] else "no output"
        print(f"   seed {r['seed']}: duban lift {r['lift']['duban']:.2f}; model: {shown}")
        for problem in r["duban_problems"]:
            print(f"   seed {r['seed']}: PROBLEM {problem}")
    first = results[0]
    print("   duban command seconds (first seed): " + ", ".join(f"{c} {s:.0f}s" + (f" (exit {code})" if code else "")
                                                          for c, code, s in first["commands"]))
    ok_lift = duban_mean >= 0.6
    ok_best = duban_mean >= best[2]
    print(f"   target duban mean lift >= 0.60: {duban_mean:.2f} -> {'met' if ok_lift else 'MISSED'}")
    ceiling = [r for r in rows if r[0] == CEILING]
    if ceiling:
        print(f"   the world's ceiling (ranking by its hidden state): {ceiling[0][2]:.2f}"
              + (", below the 0.60 target: no policy can meet it here" if ceiling[0][2] < 0.6 else ""))
    print(f"   target duban >= every baseline (best: {best[0]} {best[2]:.2f}): "
          f"{'met' if ok_best else 'MISSED'}")
    # Paired by seed: both ran on the same history, so the seed's own luck cancels out of the difference.
    difference = [d - b for d, b in zip(lifts["duban"], lifts[best[0]], strict=True)]
    mean, low, high = interval(difference)
    print(f"   duban minus {best[0]}, paired by seed: {mean:+.2f} [{low:+.2f}, {high:+.2f}]; duban ahead in "
          f"{sum(d > 0 for d in difference)}, level in {sum(d == 0 for d in difference)}, "
          f"behind in {sum(d < 0 for d in difference)} of {len(difference)}")
    return ok_lift and ok_best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", action="append", choices=sorted(WORLDS), help="repeatable; default all")
    parser.add_argument("--seeds", help="comma-separated seeds (default: the fixed seeds of each world)")
    parser.add_argument("--tasks", type=int, help="tasks per world (default: each world's own size)")
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="small worlds, two seeds each")
    parser.add_argument("--subprocess", action="store_true", help="run each duban command as a real subprocess")
    parser.add_argument("--keep", action="store_true", help="keep the instance folders")
    args = parser.parse_args()
    started = time.perf_counter()
    worlds = args.world or list(WORLDS)
    print(f"targeting benchmark: worlds {', '.join(worlds)}; budget {args.budget}; every task eligible; "
          f"duban through its command line ({'subprocesses' if args.subprocess else 'in process'})")
    summary = {}
    for world in worlds:
        seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else list(SEEDS[world])
        if args.quick and not args.seeds:
            seeds = seeds[:2]
        tasks = args.tasks or (QUICK_TASKS[world] if args.quick else DEFAULT_TASKS[world])
        results = []
        for seed in seeds:
            r = run_one(world, seed, tasks, args.budget, args.subprocess, args.keep)
            print(f"   [{world} seed {seed}: duban lift {r['lift']['duban']:.2f}, "
                  f"{r['seconds']:.0f}s of which duban {r['duban_seconds']:.0f}s]", flush=True)
            results.append(r)
        summary[world] = report(world, results, args.budget)
        notes = {n for r in results for n in r["notes"]}
        for note in sorted(notes):
            print(f"   note: {note}")
        print(f"   evaluations' institution registered by: {results[0]['institution_by'] or '-'}", flush=True)
    print("\ntargets per world: " + ", ".join(f"{w} {'met' if ok else 'MISSED'}" for w, ok in summary.items()))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
