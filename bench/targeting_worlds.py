"""Simulated histories for the targeting benchmark: each world knows the truth.

A world is a dated history that ends today: units, a ledger, the evidence that
cooperating sources produced over the years (audit findings, evaluations, tips,
other signals), the past on-site reviews and their outcomes, and, known only to
the simulator, which tasks hide a real problem today. Nothing here imports
Duban: the worlds share no code with its scoring, and their evidence is shaped
by how each world works, not by Duban's rule thresholds.

Three worlds, built differently on purpose:

- ``province``: about two years of monthly history. Problems start from a unit's
  propensity and a matter's difficulty and last until a visit finds them. Ledger
  progress reports (overstated by many problem tasks), twice-yearly audits,
  polls of residents, tips, half-yearly evaluations of some matters.
- ``lagged``: five years. Units go through bad years that persist; audit
  findings are dated months after a problem starts; evaluations are yearly and
  describe the unit, not the task; an inspectorate rates on 0–10, a hotline
  reports complaint shares on 0–100; tips carry no information at all.
- ``inspections``: establishments with one task each, a yearly evaluation score
  and a yearly on-site review over eight years; a problem is a review that
  fails, driven by a quality that drifts slowly under noisy scores.

Dates are day numbers (``date.toordinal()``); :func:`make_world` returns a
:class:`History` whose ``rows`` are ready to be written in Duban's import formats.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

# Fixed before anyone compares Duban with them; a run uses these unless --seeds says otherwise.
SEEDS: dict[str, tuple[int, ...]] = {
    "province": (11, 23, 37, 41, 59),
    "lagged": (101, 113, 127, 131, 149),
    "inspections": (201, 211, 223, 227, 239),
}
DEFAULT_TASKS = {"province": 800, "lagged": 800, "inspections": 1000}
SEVERITY_RANK = {"minor": 1, "major": 2, "severe": 3}
POOL = "东西南北河山林湖清安宁平和新兴华阳明光永丰泰昌盛云龙凤松柏桃李金石水田春秋星月"
WORKS = ("农村公路", "老旧小区改造", "饮水工程", "学校建设", "医保报销", "就业补贴", "污水处理", "垃圾分类",
         "乡村卫生室", "养老服务", "惠农补贴", "危房改造", "河道整治", "电网改造", "社区食堂")
COMPLAINTS = ("迟迟没有落实", "停工好几个月了", "钱没有发到位", "只做了表面文章", "群众反映没人管",
              "说已完成但实际没有", "拖了很久", "进展很慢")


def shanghai_today() -> date:
    """The calendar day in Asia/Shanghai: Duban refuses evidence dated after it."""
    return (datetime.now(UTC) + timedelta(hours=8)).date()


@dataclass
class Measure:
    """A numeric evidence series known to the bench: who, when, what value; ``bad`` is +1 when high is bad."""

    name: str
    bad: int
    task: list[int] = field(default_factory=list)  # -1: about the unit as a whole
    unit: list[int] = field(default_factory=list)
    day: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def add(self, task: int, unit: int, day: int, value: float) -> None:
        self.task.append(task)
        self.unit.append(unit)
        self.day.append(day)
        self.value.append(float(value))


@dataclass
class History:
    """One world's history, as files for Duban and as records for the bench's own baselines."""

    name: str
    seed: int
    today: int
    unit_codes: list[str]
    task_unit: np.ndarray  # unit index of each task
    task_matter: list[str]  # matter code of each task
    deadline: np.ndarray  # day number of each task's deadline
    problem: np.ndarray  # the truth today, per task
    # The state the truth was drawn from, where it is not the truth itself (higher: a problem is more
    # likely): ranking by it is the best any policy could do, an upper bound for the lifts.
    hidden_risk: np.ndarray | None = None
    rows: dict[str, list[dict]] = field(default_factory=dict)  # import kind -> rows
    measures: list[Measure] = field(default_factory=list)
    tips_unit: list[int] = field(default_factory=list)
    tips_day: list[int] = field(default_factory=list)
    finding_task: list[int] = field(default_factory=list)  # -1: the unit as a whole
    finding_unit: list[int] = field(default_factory=list)
    finding_day: list[int] = field(default_factory=list)
    finding_closed: list[int] = field(default_factory=list)  # day rectified, or a day after today
    finding_severity: list[int] = field(default_factory=list)
    review_task: list[int] = field(default_factory=list)
    review_day: list[int] = field(default_factory=list)
    review_found: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def tasks(self) -> int:
        return len(self.task_unit)

    def measure(self, name: str, bad: int) -> Measure:
        for measure in self.measures:
            if measure.name == name:
                return measure
        self.measures.append(Measure(name, bad))
        return self.measures[-1]

    def review(self, task: int, day: int, found: bool, selection: str, probability: float | None,
               severity: str = "") -> None:
        ref = f"R{len(self.review_task) + 1:06d}"
        self.review_task.append(task)
        self.review_day.append(day)
        self.review_found.append(int(found))
        self.rows.setdefault("reviews", []).append({
            "review_id": ref, "unit_code": self.unit_codes[self.task_unit[task]],
            "matter_code": self.task_matter[task], "visited_on": iso(day), "problem_found": int(found),
            "severity": severity if found else "", "notes": "", "selection": selection,
            "selection_probability": "" if probability is None else round(probability, 4)})

    def finding(self, task: int, unit: int, day: int, severity: str, closed: int, category: str,
                due: int, amount: float) -> None:
        ref = f"F{len(self.finding_day) + 1:06d}"
        self.finding_task.append(task)
        self.finding_unit.append(unit)
        self.finding_day.append(day)
        self.finding_closed.append(closed)
        self.finding_severity.append(SEVERITY_RANK[severity])
        status = "done" if closed <= self.today else ("in_progress" if closed - self.today < 60 else "open")
        self.rows.setdefault("audit", []).append({
            "finding_id": ref, "audit_name": f"{date.fromordinal(day).year} audit", "unit_code": self.unit_codes[unit],
            "matter_code": self.task_matter[task] if task >= 0 else "", "found_on": iso(day),
            "category": category, "severity": severity, "amount": round(amount, 2),
            "description": f"{category} at {self.unit_codes[unit]}", "rectification_status": status,
            "rectification_due": iso(due), "rectified_on": iso(closed) if closed <= self.today else ""})

    def tip(self, unit: int, day: int, text: str, region: str, source: str) -> None:
        self.tips_unit.append(unit)
        self.tips_day.append(day)
        self.rows.setdefault("tips", []).append({
            "ref": f"T{len(self.tips_day):06d}", "text": text, "source": source, "url": "",
            "region_code": region, "unit_code": self.unit_codes[unit], "category": "not_implemented",
            "received_on": iso(day)})

    def signal(self, measure: Measure, source: str, kind: str, task: int, unit: int, day: int,
               value: float) -> None:
        measure.add(task, unit, day, value)
        rows = self.rows.setdefault("signals", [])
        rows.append({"source": source, "kind": kind, "unit_code": self.unit_codes[unit],
                     "matter_code": self.task_matter[task] if task >= 0 else "", "value": round(value, 3),
                     "observed_on": iso(day), "ref": f"S{len(rows) + 1:07d}"})


def iso(day: int) -> str:
    return date.fromordinal(int(day)).isoformat()


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------
# Organisation and ledger shared by the worlds' builders (data shapes only)
# ---------------------------------------------------------------------------


def place_name(rng: np.random.Generator, suffix: str) -> str:
    return "".join(rng.choice(list(POOL), 2)) + suffix


def organisation(rng: np.random.Generator, units: int, cities: int = 8) -> tuple[list[dict], list[str], list[str]]:
    """A province, its cities, and ``units`` counties/departments that hold tasks. Returns rows, codes, regions."""
    rows = [{"code": "P990000", "name": "Province", "parent_code": "", "level": "province", "region_code": "990000"}]
    for c in range(1, cities + 1):
        rows.append({"code": f"C99{c:02d}00", "name": f"City {c}", "parent_code": "P990000", "level": "city",
                     "region_code": f"99{c:02d}00"})
    codes, regions = [], []
    for u in range(units):
        if u % 10 == 9:  # provincial departments
            code, region, parent, level = f"D{u:05d}", "990000", "P990000", "department"
        else:
            city = int(rng.integers(1, cities + 1))
            region = f"99{city:02d}{(u % 90) + 1:02d}"
            code, parent, level = f"U{u:05d}", f"C99{city:02d}00", "county"
        rows.append({"code": code, "name": place_name(rng, "局" if level == "department" else "县") + f"{u}",
                     "parent_code": parent, "level": level,
                     "region_code": region})
        codes.append(code)
        regions.append(region)
    return rows, codes, regions


def ledger(rng: np.random.Generator, tasks: int, units: int, matters: int, start: int, today: int,
           deadline_span: tuple[int, int]) -> tuple[list[dict], np.ndarray, list[str], np.ndarray, dict]:
    """Matters with tasks on distinct units; returns rows, task units, task matters, deadlines, matter facts."""
    per = np.full(matters, tasks // matters)
    per[: tasks % matters] += 1
    per = np.minimum(per, units)
    task_unit, task_matter, deadline, rows = [], [], [], []
    facts: dict = {"importance": rng.integers(1, 6, matters), "attention": rng.integers(0, 6, matters), "titles": {}}
    for m in range(matters):
        code = f"M{m:04d}"
        due = start + int(rng.integers(*deadline_span))
        title = place_name(rng, "") + WORKS[m % len(WORKS)] + f"（第{m}批）"
        facts["titles"][m] = title
        for u in rng.choice(units, int(per[m]), replace=False):
            task_unit.append(int(u))
            task_matter.append(code)
            deadline.append(due)
            rows.append({"code": code, "title": title, "kind": "assignment",
                         "source_ref": f"Doc {m}", "task": f"Carry out matter {m}", "lead_unit": "",
                         "co_units": "", "deadline": iso(due), "cadence": "monthly",
                         "importance": int(facts["importance"][m]), "public_attention": int(facts["attention"][m]),
                         "_unit": int(u)})
    return rows, np.array(task_unit), task_matter, np.array(deadline), facts


def finish_ledger(history: History, rows: list[dict]) -> None:
    for row in rows:
        row["lead_unit"] = history.unit_codes[row.pop("_unit")]
    history.rows["matters"] = rows


def evaluation_row(history: History, task: int, batch: str, indicator: str, score: float, target: float,
                   day: int) -> None:
    history.rows.setdefault("evaluations", []).append({
        "evaluator": "Bench Evaluation Centre", "batch": batch, "matter_code": history.task_matter[task],
        "unit_code": history.unit_codes[history.task_unit[task]], "indicator": indicator,
        "score": round(float(np.clip(score, 0, 100)), 1), "weight": 1, "target": target,
        "evaluated_on": iso(day), "comment": ""})


# ---------------------------------------------------------------------------
# World "province": two years, month by month
# ---------------------------------------------------------------------------


def province(seed: int, tasks: int, today: int) -> History:
    rng = np.random.default_rng(seed)
    months = 24
    start = today - months * 30 - 5
    n_units = max(30, tasks // 12)
    n_matters = max(tasks // 60, -(-tasks // n_units))  # enough matters for every task to sit on its own unit
    unit_rows, codes, regions = organisation(rng, n_units)
    names = [row["name"] for row in unit_rows[-n_units:]]
    matter_rows, task_unit, task_matter, deadline, facts = ledger(rng, tasks, n_units, n_matters, start, today,
                                                                  (90, 900))
    n = len(task_unit)
    matter_index = np.array([int(code[1:]) for code in task_matter])
    h = History("province", seed, today, codes, task_unit, task_matter, deadline, np.zeros(n, dtype=bool))
    h.rows["units"] = unit_rows
    finish_ledger(h, matter_rows)
    propensity = rng.normal(0, 1, n_units)
    difficulty = rng.normal(0, 0.6, n_matters)
    hazard = sigmoid(-4.3 + 0.9 * propensity[task_unit] + difficulty[matter_index])
    audited_units = rng.random(n_units) < 0.45
    polled = rng.random(n) < 0.4
    evaluated_matters = rng.random(n_matters) < 0.35
    capital = np.array([r.startswith("9901") for r in regions])
    problem = np.zeros(n, dtype=bool)
    onset = np.full(n, -1)
    percent = h.measure("reported_percent", -1)
    poll = h.measure("not_delivered_share", 1)
    score = h.measure("eval_score", -1)
    gap = h.measure("eval_gap", 1)
    overstates = rng.random(n) < 0.55  # these problem tasks claim progress they have not made
    for month in range(months):
        day0 = start + month * 30
        starts = ~problem & (rng.random(n) < hazard)
        problem |= starts
        onset[starts] = day0 + rng.integers(0, 30, starts.sum())
        problem &= ~(rng.random(n) < 0.04)
        end = day0 + 29
        # Ledger progress reports, monthly, dated the last day of the month.
        expected = np.clip(100 * (end - (deadline - 400)) / 400, 0, 100)
        honest = np.clip(expected + rng.normal(0, 10, n), 0, 100)
        reported = np.where(problem & ~overstates, np.clip(honest - 30, 0, 100), honest)
        if month % 3 == 2:  # quarterly, to keep the file modest
            for t in range(n):
                h.signal(percent, "ledger_export", "reported_percent", t, task_unit[t], end, round(reported[t]))
        # Tips about problem tasks (and some about nothing), naming the unit and the matter.
        counts = rng.poisson(0.01 + 0.15 * problem)
        for t in np.flatnonzero(counts):
            for _ in range(counts[t]):
                m = matter_index[t]
                text = (f"{names[task_unit[t]]}的{facts['titles'][m]}{COMPLAINTS[int(rng.integers(len(COMPLAINTS)))]}，"
                        f"{int(rng.integers(2, 60))}户受影响，{rng.choice(list(POOL))}{rng.choice(list(POOL))}村")
                h.tip(task_unit[t], day0 + int(rng.integers(0, 30)), text, regions[task_unit[t]],
                      "public" if rng.random() < 0.7 else "hotline")
        # Audits twice a year of the audited units.
        if month % 6 == 3:
            for u in np.flatnonzero(audited_units & (rng.random(n_units) < 0.7)):
                for t in np.flatnonzero(task_unit == u):
                    for _ in range(rng.poisson(0.12 + 1.1 * problem[t])):
                        severe = rng.random()
                        sev = ("severe" if severe < 0.45 else "major" if severe < 0.8 else "minor") if problem[t] \
                            else ("minor" if severe < 0.7 else "major" if severe < 0.95 else "severe")
                        found = day0 + int(rng.integers(0, 30))
                        closed = found + int(rng.exponential(150)) + 20
                        h.finding(t, u, found, sev, closed, ["funds", "procedure", "delay"][int(rng.integers(3))],
                                  found + 90, float(rng.exponential(50000)))
        # Resident polls, every four months, on the polled tasks.
        if month % 4 == 1:
            for t in np.flatnonzero(polled):
                h.signal(poll, "resident_poll", "not_delivered_share", t, task_unit[t], end,
                         float(np.clip(rng.normal(0.14 + 0.22 * problem[t], 0.1), 0, 1)))
        # Evaluations of a third of the matters, half-yearly.
        if month % 6 == 5:
            batch = f"{date.fromordinal(end).year}-{'H1' if date.fromordinal(end).month <= 6 else 'H2'}-{month}"
            for t in np.flatnonzero(evaluated_matters[matter_index]):
                for indicator in ("I1", "I2"):
                    value = float(np.clip(rng.normal(83 - 13 * problem[t], 8), 0, 100))
                    evaluation_row(h, t, batch, indicator, value, 75, end - 3)
                    score.add(t, task_unit[t], end - 3, value)
                    gap.add(t, task_unit[t], end - 3, 75 - value)
        # Visits from month 6 on: the usual way (least reported progress after the deadline, the capital), plus
        # a small random share that is recorded as such.
        if month >= 6:
            day = day0 + 15
            late = (deadline < day) * (100 - expected)
            ranked = list(np.argsort(-(late + rng.normal(0, 5, n)))[:round(0.025 * n)])
            near = np.flatnonzero(capital[task_unit])
            ranked += list(rng.choice(near, min(len(near), round(0.01 * n)), replace=False))
            k = max(2, round(0.0075 * n))
            drawn = list(rng.choice(n, k, replace=False))
            for t, selection, prob in [(t, "manual", None) for t in dict.fromkeys(ranked)] + \
                    [(t, "random", k / n) for t in drawn]:
                found = bool(problem[t])
                h.review(int(t), day + int(rng.integers(0, 10)), found, selection, prob,
                         "major" if found else "")
                if found:
                    problem[t] = False
    # The last days: problems that started this month are real too.
    h.problem = problem
    h.notes.append("ledger progress goes in as the signals of a cooperating source (ledger_export.reported_percent):"
                   " the ledger import carries deadlines but no progress reports")
    return h


# ---------------------------------------------------------------------------
# World "lagged": five years, bad years that persist, evidence that lags
# ---------------------------------------------------------------------------


def lagged(seed: int, tasks: int, today: int) -> History:
    rng = np.random.default_rng(seed)
    years = 5
    months = years * 12
    start = today - months * 30 - 10
    n_units = max(25, tasks // 8)
    n_matters = max(tasks // 50, -(-tasks // n_units))
    unit_rows, codes, regions = organisation(rng, n_units)
    names = [row["name"] for row in unit_rows[-n_units:]]
    matter_rows, task_unit, task_matter, deadline, _facts = ledger(rng, tasks, n_units, n_matters, start, today,
                                                                   (months * 30 + 60, months * 30 + 900))
    n = len(task_unit)
    h = History("lagged", seed, today, codes, task_unit, task_matter, deadline, np.zeros(n, dtype=bool))
    h.rows["units"] = unit_rows
    finish_ledger(h, matter_rows)
    bad = rng.random(n_units) < 0.2
    problem = np.zeros(n, dtype=bool)
    onset = np.full(n, -1)
    task_effect = rng.normal(0, 0.7, n)
    rating = h.measure("inspectorate_rating", -1)
    complaints = h.measure("complaint_share_pct", 1)
    score = h.measure("eval_score", -1)
    rated = rng.random(n) < 0.5
    audit_lag = {}  # task -> day its finding will be dated
    for month in range(months):
        day0 = start + month * 30
        if month % 12 == 0 and month:
            bad = np.where(bad, rng.random(n_units) < 0.75, rng.random(n_units) < 0.12)
        hazard = sigmoid(-4.6 + 2.0 * bad[task_unit] + task_effect)
        starts = ~problem & (rng.random(n) < hazard)
        problem |= starts
        onset[starts] = day0 + rng.integers(0, 30, starts.sum())
        for t in np.flatnonzero(starts):
            if rng.random() < 0.5:  # half of the problems are found by an audit, 3 to 10 months later
                audit_lag[t] = int(onset[t] + rng.integers(90, 300))
        problem &= ~(rng.random(n) < 0.02)
        end = day0 + 29
        for t, when in list(audit_lag.items()):
            if day0 <= when <= end and when < today:
                sev = "severe" if rng.random() < 0.4 else "major"
                closed = when + int(rng.exponential(200)) + 30
                h.finding(t, task_unit[t], when, sev, closed, "funds", when + 120, float(rng.exponential(80000)))
                del audit_lag[t]
        for u in np.flatnonzero(rng.random(n_units) < 0.01):  # minor findings about nothing
            day = day0 + int(rng.integers(0, 30))
            h.finding(-1, u, day, "minor", day + 60, "procedure", day + 90, 1000.0)
        for u in range(n_units):  # tips: noise only
            for _ in range(rng.poisson(0.06)):
                h.tip(u, day0 + int(rng.integers(0, 30)),
                      f"{names[u]}办事窗口"
                      f"{('排队太久', '态度不好', '材料要求多', '电话打不通')[int(rng.integers(4))]}，"
                      f"{rng.choice(list(POOL))}{rng.choice(list(POOL))}街", regions[u], "public")
        if month % 3 == 2:  # a hotline's complaint share 0-100 per unit, quarterly
            share = np.bincount(task_unit, problem, n_units) / np.maximum(1, np.bincount(task_unit, None, n_units))
            for u in range(n_units):
                task = int(np.flatnonzero(task_unit == u)[0]) if (task_unit == u).any() else -1
                if task < 0:
                    continue
                value = float(np.clip(8 + 30 * share[u] + rng.normal(0, 6), 0, 100))
                h.rows.setdefault("signals", []).append({
                    "source": "hotline", "kind": "complaint_share_pct", "unit_code": codes[u], "matter_code": "",
                    "value": round(value, 1), "observed_on": iso(end), "ref": f"H{u}-{month}"})
                complaints.add(-1, u, end, value)
        if month % 12 == 5:  # the inspectorate's yearly rating 0-10 of half of the tasks
            for t in np.flatnonzero(rated):
                h.signal(rating, "inspectorate", "rating_0_10", t, task_unit[t], end,
                         float(np.clip(np.round(7 - 1.8 * problem[t] - 1.0 * bad[task_unit[t]]
                                                + rng.normal(0, 1.5)), 0, 10)))
        if month % 12 == 11:  # yearly evaluations describe the unit's year, not the task
            unit_score = 80 - 10 * bad + rng.normal(0, 7, n_units)
            year = date.fromordinal(end).year
            for t in range(n):
                value = float(np.clip(unit_score[task_unit[t]] + rng.normal(0, 4), 0, 100))
                evaluation_row(h, t, f"{year} annual", "overall", value, 75, end - 5)
                score.add(t, task_unit[t], end - 5, value)
        if month % 12 == 3 and month >= 12:  # a yearly round of visits
            day = day0 + 10
            found_recently = {h.finding_task[i] for i in range(len(h.finding_day))
                              if day - 365 <= h.finding_day[i] < day and h.finding_task[i] >= 0}
            ranked = sorted(found_recently)[:round(0.11 * n)]
            k = round(0.075 * n)
            drawn = list(rng.choice(n, k, replace=False))
            for t, selection, prob in [(t, "manual", None) for t in ranked] + [(t, "random", k / n) for t in drawn]:
                found = bool(problem[t])
                h.review(int(t), day + int(rng.integers(0, 20)), found, selection, prob, "major" if found else "")
                if found:
                    problem[t] = False
                    audit_lag.pop(t, None)
    h.problem = problem
    h.notes.append("inspectorate ratings (0-10) and hotline complaint shares (0-100) go in as signals;"
                   " tips are pure noise")
    return h


# ---------------------------------------------------------------------------
# World "inspections": establishments, yearly scores and yearly reviews
# ---------------------------------------------------------------------------


def inspections(seed: int, tasks: int, today: int) -> History:
    rng = np.random.default_rng(seed)
    years = 8
    start = today - years * 365 - 20
    n = tasks
    unit_rows, codes, _regions = organisation(rng, n, cities=6)
    h = History("inspections", seed, today, codes, np.arange(n), ["INSP"] * n, np.full(n, today + 200),
                np.zeros(n, dtype=bool))
    h.rows["units"] = unit_rows
    h.rows["matters"] = [{"code": "INSP", "title": "Establishment inspection", "kind": "other", "source_ref": "",
                          "task": f"Keep establishment {codes[u]} up to standard", "lead_unit": codes[u],
                          "co_units": "", "deadline": iso(today + 200), "cadence": "once", "importance": 3,
                          "public_attention": 2} for u in range(n)]
    quality = rng.normal(0, 1, n)
    score = h.measure("eval_score", -1)
    threshold = -1.1
    for year in range(years):
        year_start = start + year * 365
        quality = 0.92 * quality + rng.normal(0, 0.38, n)
        eval_day = year_start + int(rng.integers(20, 80))
        batch = f"Round {year + 1} ({date.fromordinal(eval_day).year})"
        for u in range(n):
            value = float(np.clip(74 + 7 * quality[u] + rng.normal(0, 9), 0, 100))
            evaluation_row(h, u, batch, "overall", value, 70, eval_day)
            score.add(u, u, eval_day, value)
        failed_last = [h.review_task[i] for i in range(len(h.review_task))
                       if h.review_found[i] and year_start - 365 <= h.review_day[i] < year_start]
        drawn = rng.choice(n, int(0.3 * n), replace=False)
        visits = [(t, "manual", None) for t in failed_last] + [(int(t), "random", 0.3) for t in drawn
                                                                if t not in set(failed_last)]
        for t, selection, prob in visits:
            day = year_start + int(rng.integers(100, 330))
            if day >= today:
                continue
            failed = quality[t] + rng.normal(0, 0.6) < threshold
            h.review(t, day, failed, selection, prob, "major" if failed else "")
            if failed:
                quality[t] += 0.3  # a failed review is followed by some repair
    quality = 0.92 * quality + rng.normal(0, 0.38 * 0.5, n)  # drift since the last yearly step
    h.problem = quality + rng.normal(0, 0.6, n) < threshold
    h.hidden_risk = -quality
    h.notes.append("one matter INSP with one task per establishment; evaluations and reviews only")
    return h


WORLDS = {"province": province, "lagged": lagged, "inspections": inspections}


def make_world(name: str, seed: int, tasks: int | None = None, today: date | None = None) -> History:
    """The history of world ``name`` for ``seed``, ending ``today`` (default: today in Asia/Shanghai, minus a day)."""
    end = (today or shanghai_today() - timedelta(days=1)).toordinal()
    return WORLDS[name](seed, tasks or DEFAULT_TASKS[name], end)
