"""The targeting benchmark's own baselines, computed from a world's records, point in time.

Every feature of a task at a day reads only evidence dated before that day:
findings found earlier and not rectified by then, the latest score before it,
tips in the 90 days before it, reviews before it. A single column sorted in its
bad direction is one baseline; a plain logistic regression on all of them,
trained on the past reviews (each described the day of the visit), is another.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

import numpy as np
from targeting_worlds import History

TIP_WINDOW = 90


def _index(keys: list[int], days: list[int], values: list[float] | None = None) -> dict[int, tuple]:
    """Per key: sorted days and the values in that order."""
    grouped: dict[int, list] = defaultdict(list)
    for i, key in enumerate(keys):
        grouped[key].append((days[i], values[i] if values is not None else 1.0))
    out = {}
    for key, items in grouped.items():
        items.sort()
        out[key] = ([d for d, _ in items], np.array([v for _, v in items], dtype=float))
    return out


class PointInTime:
    """Features of (task, day) pairs from the history's own records; names with the direction that is bad."""

    def __init__(self, h: History) -> None:
        self.h = h
        self.unit_tasks = defaultdict(list)
        for t, u in enumerate(h.task_unit):
            self.unit_tasks[int(u)].append(t)
        self.tips = _index(h.tips_unit, h.tips_day)
        self.measures = []
        for m in h.measures:
            task_level = [i for i, t in enumerate(m.task) if t >= 0]
            unit_level = [i for i, t in enumerate(m.task) if t < 0]
            by_task = _index([m.task[i] for i in task_level], [m.day[i] for i in task_level],
                             [m.value[i] for i in task_level])
            by_unit = _index([m.unit[i] for i in unit_level], [m.day[i] for i in unit_level],
                             [m.value[i] for i in unit_level])
            self.measures.append((m, by_task, by_unit))
        self.findings_by_unit = defaultdict(list)
        for i, u in enumerate(h.finding_unit):
            self.findings_by_unit[u].append(i)
        self.reviews_by_unit = _index([int(h.task_unit[t]) for t in h.review_task], h.review_day,
                                      [float(f) for f in h.review_found])
        self.reviews_by_task = _index(h.review_task, h.review_day, [float(f) for f in h.review_found])

    def names(self) -> list[tuple[str, int]]:
        out = [("tips in 90 days", 1), ("worst open audit severity", 1), ("open audit findings", 1),
               ("overdue days", 1), ("past problem rate (unit)", 1), ("last review found a problem", 1)]
        for m, _, _ in self.measures:
            out += [(f"{m.name} latest", m.bad), (f"{m.name} mean of past", m.bad)]
            if m.bad < 0:
                out.append((f"{m.name} lowest past", -1))
        return out

    def row(self, t: int, day: int) -> list[float]:
        h = self.h
        u = int(h.task_unit[t])
        days, _ = self.tips.get(u, ([], None))
        tips = bisect_left(days, day) - bisect_left(days, day - TIP_WINDOW)
        worst, open_count = 0.0, 0.0
        for i in self.findings_by_unit.get(u, ()):
            if h.finding_task[i] in (-1, t) and h.finding_day[i] < day <= h.finding_closed[i]:
                worst = max(worst, h.finding_severity[i])
                open_count += 1
        latest_percent = np.nan
        values: list[float] = []
        for m, by_task, by_unit in self.measures:
            series = by_task.get(t) or by_unit.get(u)
            if series is None:
                values += [np.nan, np.nan] + ([np.nan] if m.bad < 0 else [])
                continue
            k = bisect_left(series[0], day)
            past = series[1][:k]
            if not len(past):
                values += [np.nan, np.nan] + ([np.nan] if m.bad < 0 else [])
                continue
            values += [past[-1], past.mean()] + ([past.min()] if m.bad < 0 else [])
            if m.name == "reported_percent":
                latest_percent = past[-1]
        done = latest_percent >= 99.5
        overdue = 0.0 if done else float(max(0, day - int(h.deadline[t])))
        udays, ufound = self.reviews_by_unit.get(u, ([], np.array([])))
        k = bisect_left(udays, day)
        rate = float(ufound[:k].mean()) if k else np.nan
        tdays, tfound = self.reviews_by_task.get(t, ([], np.array([])))
        k = bisect_left(tdays, day)
        last = float(tfound[k - 1]) if k else np.nan
        return [float(tips), worst, open_count, overdue, rate, last] + values

    def matrix(self, tasks: np.ndarray, days: np.ndarray) -> np.ndarray:
        return np.array([self.row(int(t), int(d)) for t, d in zip(tasks, days, strict=True)], dtype=float)


def top(key: np.ndarray, budget: int, rng: np.random.Generator) -> np.ndarray:
    """The ``budget`` tasks with the highest key; missing values last, ties at random."""
    filled = np.where(np.isnan(key), -np.inf, key)
    return np.lexsort((rng.random(len(key)), -filled))[:budget]


def logistic(train_x: np.ndarray, train_y: np.ndarray, now_x: np.ndarray) -> np.ndarray | None:
    """Plain logistic regression: missing flags, median imputation, standard scaling. None without both classes."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(set(train_y.tolist())) < 2:
        return None
    keep = ~np.all(np.isnan(train_x), axis=0)
    model = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(),
                          LogisticRegression(max_iter=2000))
    model.fit(train_x[:, keep], train_y)
    return model.predict_proba(now_x[:, keep])[:, 1]


def baseline_choices(h: History, budget: int, seed: int) -> dict[str, np.ndarray]:
    """Each baseline's ``budget`` tasks to visit today."""
    rng = np.random.default_rng(seed)
    features = PointInTime(h)
    names = features.names()
    now = features.matrix(np.arange(h.tasks), np.full(h.tasks, h.today))
    choices: dict[str, np.ndarray] = {}
    for j, (name, bad) in enumerate(names):
        if np.all(np.isnan(now[:, j])) or np.nanstd(now[:, j]) == 0:
            continue  # a column this world does not have
        choices[name] = top(bad * now[:, j], budget, rng)
    tasks, days = np.array(h.review_task), np.array(h.review_day)
    past = features.matrix(tasks, days)
    p = logistic(past, np.array(h.review_found), now)
    if p is not None:
        choices["logistic regression"] = top(p, budget, rng)
    return choices
