"""Closed-loop targeting (the earlier benchmark): policies run rounds on a simulated province.

It calls Duban's scoring functions directly on feature matrices; bench/targeting.py is the
evaluation that goes through the command line on imported history.

A simulated province has units in regions, matters of differing weight, and tasks
that fall into hidden real problems (a unit's propensity and a matter's
difficulty make some likelier than others). Evidence is noisy and incomplete, as
it is in practice: the ledger (overdue days, reports sent back, self-reported
completion, which problem tasks often overstate), audit findings for audited
units, surveys on some tasks, public tips, third-party evaluations on a sample.
Before the loop, a history of on-site reviews chosen the usual way (the most
overdue, and whatever is near the capital) gives the first labels.

Then every policy runs its own copy of the province for several rounds of a fixed
budget. A policy sees only the outcomes of what it visited; a problem found is
fixed. Printed per policy: precision at the budget, normalised lift
((policy - random) / (oracle - random)), mean days from a problem's start to its
detection, and the bias of the problem rate it would estimate.

The simulator knows the truth and shares no code with Duban's scoring. Duban's
full policy calls Duban's public functions only: the rule engine on the rules a
supervision office would write, the model (:func:`core.scoring.model.fit`), the
priority, the round selection with its random share and region floor
(:func:`core.review.sampling.select_visits`) and the estimator
(:func:`core.review.estimate.stratified_estimate`).

    .venv/bin/python bench/targeting_closed_loop.py [--tasks 2000] [--budget 60] [--rounds 8] [--seed 7]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PERIOD = 30  # days between rounds

# The rules an office would write for its four sources (the simulator writes them as staff would).
OFFICE_RULES = """
[[rule]]
id = "audit.severe"
when = "audit.severe_findings >= 1"
points = 25
reason = "%(audit.severe_findings)s severe audit findings"

[[rule]]
id = "survey.not_delivered"
when = "survey.not_delivered >= 0.3"
points = 25
reason = "%(survey.not_delivered)s of residents say it never arrived"

[[rule]]
id = "survey.contradiction"
when = "reported_done and survey.not_delivered >= 0.3"
points = 15
reason = "Reported done, but %(survey.not_delivered)s say it never arrived"

[[rule]]
id = "tips.many"
when = "media_tips.tips_recent >= 3"
points = 20
reason = "%(media_tips.tips_recent)s tips in 90 days"

[[rule]]
id = "eval.low"
when = "third_party_eval.weighted_score < 70"
points = 20
reason = "Evaluated at %(third_party_eval.weighted_score)s"
"""


# ---------------------------------------------------------------------------
# The simulated province (knows the truth)
# ---------------------------------------------------------------------------


@dataclass
class Province:
    """Static facts: who the tasks belong to, how prone they are, what evidence exists for them."""

    regions: np.ndarray
    unit: np.ndarray
    hazard: np.ndarray
    deadline_slack: np.ndarray
    audited: np.ndarray
    surveyed: np.ndarray
    tipped: np.ndarray
    evaluated: np.ndarray
    importance: np.ndarray
    attention: np.ndarray


@dataclass
class World:
    """One policy's copy of the province over time: who has a problem, since when, what was seen."""

    problem: np.ndarray
    onset: np.ndarray
    rng: np.random.Generator
    found_at_unit: np.ndarray
    last_review: np.ndarray
    day: int = 0
    history_x: list[np.ndarray] = field(default_factory=list)
    history_y: list[np.ndarray] = field(default_factory=list)
    history_day: list[np.ndarray] = field(default_factory=list)

    def copy(self, seed: int) -> World:
        return World(self.problem.copy(), self.onset.copy(), np.random.default_rng(seed), self.found_at_unit.copy(),
                     self.last_review.copy(), self.day, list(self.history_x), list(self.history_y),
                     list(self.history_day))


def make_province(n: int, rng: np.random.Generator) -> Province:
    units = max(20, n // 12)
    matters = max(5, n // 80)
    unit_region = rng.integers(0, 8, units)
    propensity = rng.normal(0, 1, units)
    difficulty = rng.normal(0, 0.6, matters)
    unit = rng.integers(0, units, n)
    matter = rng.integers(0, matters, n)
    logit = -3.0 + 0.9 * propensity[unit] + difficulty[matter]
    return Province(
        regions=np.array([f"99{r + 1:02d}00" for r in unit_region[unit]]), unit=unit,
        hazard=1 / (1 + np.exp(-logit)), deadline_slack=rng.normal(-5, 25, n),
        audited=rng.random(units)[unit] < 0.45, surveyed=rng.random(n) < 0.4, tipped=rng.random(n) < 0.7,
        evaluated=rng.random(n) < 0.35, importance=rng.integers(3, 5, matters)[matter].astype(float),
        attention=rng.integers(0, 3, matters)[matter].astype(float))


def advance(province: Province, world: World) -> None:
    """One period: new problems start; a few resolve on their own."""
    rng = world.rng
    starts = (~world.problem) & (rng.random(len(world.problem)) < province.hazard)
    world.onset[starts] = world.day + rng.integers(0, PERIOD, starts.sum())
    world.problem |= starts
    world.problem &= ~(rng.random(len(world.problem)) < 0.03)
    world.day += PERIOD


def observe(province: Province, world: World, names: list[str]) -> np.ndarray:
    """What the sources and the ledger show today: noisy, incomplete, overstated self-reports."""
    rng = world.rng
    n = len(world.problem)
    p = world.problem.astype(float)
    values = np.full((n, len(names)), np.nan)
    col = {name: j for j, name in enumerate(names)}
    values[:, col["overdue_days"]] = np.maximum(0, province.deadline_slack + 30 * p + rng.normal(0, 15, n)).round()
    values[:, col["returned_count"]] = rng.poisson(0.3 + 1.0 * p)
    values[:, col["urged_count"]] = rng.poisson(0.2 + 0.4 * p)
    done = rng.random(n) < 0.55  # problem tasks claim completion as often as the others
    values[:, col["reported_done"]] = done
    values[:, col["percent_done"]] = np.where(done, 100, rng.integers(20, 95, n))
    values[:, col["past_problems"]] = world.found_at_unit[province.unit]
    seen = world.last_review >= 0
    values[seen, col["days_since_review"]] = world.day - world.last_review[seen]
    values[:, col["importance"]] = province.importance
    values[:, col["public_attention"]] = province.attention
    values[:, col["people_affected"]] = 0
    values[:, col["money_affected"]] = 0
    a = province.audited
    values[a, col["audit.severe_findings"]] = rng.poisson(0.15 + 1.6 * p[a])
    s = province.surveyed
    values[s, col["survey.not_delivered"]] = np.clip(rng.normal(0.12 + 0.3 * p[s], 0.1), 0, 1).round(2)
    t = province.tipped
    values[t, col["media_tips.tips_recent"]] = rng.poisson(0.5 + 2.5 * p[t])
    e = province.evaluated
    values[e, col["third_party_eval.weighted_score"]] = np.clip(rng.normal(82 - 16 * p[e], 8), 0, 100).round(1)
    return values


def visit(province: Province, world: World, chosen: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Visit ``chosen``: outcomes are the truth; problems found are fixed. Returns outcomes and days to detection."""
    found = world.problem[chosen].copy()
    delay = (world.day - world.onset[chosen][found]).astype(float)
    np.add.at(world.found_at_unit, province.unit[chosen][found], 1)
    world.last_review[chosen] = world.day
    world.problem[chosen[found]] = False
    world.history_x.append(x[chosen])
    world.history_y.append(found.astype(int))
    world.history_day.append(np.full(len(chosen), world.day))
    return found, delay


# ---------------------------------------------------------------------------
# Policies: the simple ones rank by what a clerk can see; Duban's calls Duban
# ---------------------------------------------------------------------------


def biased_history(province: Province, world: World, names: list[str], periods: int, per_period: int) -> None:
    """Reviews the usual way: the most overdue, and whatever is near the capital (region 990100)."""
    for _ in range(periods):
        advance(province, world)
        x = observe(province, world, names)
        overdue = x[:, names.index("overdue_days")]
        near = np.flatnonzero(province.regions == "990100")
        chosen = set(np.argsort(-overdue)[: per_period * 2 // 3].tolist())
        chosen |= set(world.rng.choice(near, min(len(near), per_period - len(chosen)), replace=False).tolist())
        visit(province, world, np.array(sorted(chosen)), x)


class Duban:
    """Duban's scoring and round selection, through its public functions only."""

    def __init__(self, with_model: bool, random_share: float) -> None:
        from core.hooktypes import SignalKind
        from core.scoring.catalogue import build_catalogue
        from core.scoring.rules import CORE_RULES, load_rules

        kinds = [SignalKind("audit", "severe_findings", "Severe findings"),
                 SignalKind("survey", "not_delivered", "Non-delivery", 1, "share"),
                 SignalKind("media_tips", "tips_recent", "Tips"),
                 SignalKind("third_party_eval", "weighted_score", "Score", -1, "0-100")]
        self.catalogue = build_catalogue(kinds)
        self.rules = load_rules(self.catalogue, [("core", rule) for rule in CORE_RULES], OFFICE_RULES)
        self.with_model = with_model
        self.random_share = random_share
        self.last_mode = "rules"

    @property
    def names(self) -> list[str]:
        return self.catalogue.names

    def table(self, x: np.ndarray):  # type: ignore[no-untyped-def]
        from core.scoring.features import FeatureTable

        ids = np.arange(len(x))
        return FeatureTable(ids, ids, ids, self.names, x)

    def choose(self, province: Province, world: World, x: np.ndarray, budget: int):  # type: ignore[no-untyped-def]
        from core.review.sampling import select_visits
        from core.scoring.model import NotEnoughOutcomes, fit, impact, model_matrix, rules_probability

        table = self.table(x)
        hits = self.rules.evaluate(table)
        p = rules_probability(hits.points)
        self.last_mode = "rules"
        if self.with_model and world.history_x:
            hx = np.vstack(world.history_x)
            history = self.table(hx)
            inputs, names = model_matrix(history, self.rules.evaluate(history))
            try:
                model = fit(inputs, np.concatenate(world.history_y), names, np.concatenate(world.history_day),
                            budget=budget)
                p = model.predict(model_matrix(table, hits)[0])
                self.last_mode = "model"
            except NotEnoughOutcomes:
                pass
        priority = p * impact(table)
        return select_visits(priority, province.regions, budget, self.random_share, 0.05, world.rng)


def simple_choice(order_key: np.ndarray, budget: int, rng: np.random.Generator) -> np.ndarray:
    """The top ``budget`` by ``order_key``, ties broken at random."""
    return np.lexsort((rng.random(len(order_key)), -order_key))[:budget]


def expected_estimate(province: Province, world: World, choice, eligible: int, redraws: int = 300) -> float:  # type: ignore[no-untyped-def]
    """The estimator's mean over many redraws of this round's random share: its bias, free of draw noise."""
    from core.review.estimate import stratified_estimate
    from core.review.sampling import systematic_draw

    rest = np.setdiff1d(np.arange(eligible), choice.ranked)
    ranked_y = world.problem[choice.ranked].astype(float)
    values = []
    for _ in range(redraws):
        drawn = rest[systematic_draw(choice.probabilities[rest], province.regions[rest], world.rng)]
        estimate = stratified_estimate(eligible, ranked_y, len(choice.ranked), world.problem[drawn].astype(float),
                                       choice.probabilities[drawn])
        values.append(estimate.rate)
    return float(np.mean(values))


@dataclass
class Result:
    precision: list[float] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    bias: list[float] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)


def run_policy(name: str, province: Province, start: World, rounds: int, budget: int, seed: int) -> Result:
    from core.review.estimate import stratified_estimate

    world = start.copy(seed)
    duban = Duban(with_model=name == "duban", random_share=0.10 if name == "duban" else 0.0)
    result = Result()
    for _ in range(rounds):
        advance(province, world)
        x = observe(province, world, duban.names)
        truth = world.problem.mean()
        names = duban.names
        if name == "random":
            chosen = world.rng.choice(len(x), budget, replace=False)
        elif name == "oracle":
            chosen = simple_choice(world.problem.astype(float) + world.rng.random(len(x)) * 1e-3, budget, world.rng)
        elif name == "overdue-first":
            chosen = simple_choice(x[:, names.index("overdue_days")], budget, world.rng)
        elif name == "repeat-offender-first":
            key = x[:, names.index("past_problems")] * 1000 + x[:, names.index("overdue_days")]
            chosen = simple_choice(key, budget, world.rng)
        else:
            choice = duban.choose(province, world, x, budget)
            chosen = np.concatenate([choice.ranked, choice.drawn])
            ranked_y = world.problem[choice.ranked].astype(float)
            drawn_y = world.problem[choice.drawn].astype(float)
            estimate = stratified_estimate(len(x), ranked_y, len(choice.ranked), drawn_y,
                                           choice.probabilities[choice.drawn])
            if name == "duban" and estimate is not None:
                result.errors.append(estimate.rate - truth)
                result.bias.append(expected_estimate(province, world, choice, len(x)) - truth)
            result.modes.append(duban.last_mode)
        found, delay = visit(province, world, np.asarray(chosen), x)
        if name != "duban":
            result.bias.append(found.mean() - truth)  # what "share of visits that found a problem" would claim
        result.precision.append(float(found.mean()))
        result.delays.extend(delay.tolist())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="independent provinces to average over")
    args = parser.parse_args()
    started = time.perf_counter()
    policies = ["random", "overdue-first", "repeat-offender-first", "rules only", "duban", "oracle"]
    totals: dict[str, Result] = {name: Result() for name in policies}
    for repeat in range(args.repeats):
        rng = np.random.default_rng(args.seed + repeat)
        province = make_province(args.tasks, rng)
        names = Duban(False, 0).names
        start = World(np.zeros(args.tasks, dtype=bool), np.zeros(args.tasks), rng,
                      np.zeros(province.unit.max() + 1), np.full(args.tasks, -1.0))
        biased_history(province, start, names, periods=6, per_period=args.budget)
        for name in policies:
            result = run_policy(name, province, start, args.rounds, args.budget, args.seed * 100 + repeat)
            total = totals[name]
            total.precision += result.precision
            total.delays += result.delays
            total.bias += result.bias
            total.modes += result.modes
            total.errors += result.errors
    precision = {name: float(np.mean(totals[name].precision)) for name in policies}
    lift = {name: (precision[name] - precision["random"]) / (precision["oracle"] - precision["random"])
            for name in policies}
    print(f"province: {args.tasks} tasks, budget {args.budget} visits per round, {args.rounds} rounds, "
          f"{args.repeats} provinces; biased history of 6 rounds before the loop")
    print("rate bias: for the simple policies, the share of visits that found a problem minus the true rate")
    print(f"{'policy':<24}{'precision':>10}{'lift':>8}{'days to detect':>16}{'rate bias (pts)':>17}")
    for name in policies:
        total = totals[name]
        delay = np.mean(total.delays) if total.delays else float("nan")
        bias = 100 * np.mean(total.bias) if total.bias else float("nan")
        print(f"{name:<24}{precision[name]:>10.3f}{lift[name]:>8.2f}{delay:>16.1f}{bias:>+17.2f}")
    modes = totals["duban"].modes
    errors = np.array(totals["duban"].errors)
    print(f"duban estimate of the problem rate: bias {100 * np.mean(totals['duban'].bias):+.2f} points "
          f"(mean over 300 redraws of each round's random share); a single round's error "
          f"{100 * np.sqrt(np.mean(errors ** 2)):.1f} points RMS, mean {100 * errors.mean():+.2f}")
    print(f"duban rounds ranked by the model: {modes.count('model')} of {len(modes)} (rules alone otherwise)")
    best_simple = max(lift[name] for name in ("overdue-first", "repeat-offender-first", "rules only"))
    duban_bias = 100 * abs(np.mean(totals["duban"].bias))
    print(f"target lift >= 0.60: {lift['duban']:.2f} -> {'met' if lift['duban'] >= 0.6 else 'MISSED'}")
    print(f"target margin >= 0.15 over the best simple baseline: {lift['duban'] - best_simple:+.2f} -> "
          f"{'met' if lift['duban'] - best_simple >= 0.15 else 'MISSED'}")
    print(f"target |estimate bias| <= 2 points: {duban_bias:.2f} -> {'met' if duban_bias <= 2 else 'MISSED'}")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
