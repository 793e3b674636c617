"""The model: trained on past on-site outcomes, calibrated, validated on later reviews.

Each past review is described by its task's features as they stood the day
before the visit (:func:`core.scoring.features.compute_features` with that
date), so nothing learnt on site leaks back into training. Validation walks
forward in time: every fold is tested on reviews later than all it was
trained on. Until enough outcomes of both kinds exist the model is refused
and the queue keeps ranking by rules alone.

The estimator is chosen on that evidence, not assumed: regularised logistic
regressions (median imputation with missing-value indicators, since not every
task has every source; an L1 penalty that keeps few inputs, an L2 one that
keeps all), gradient boosting, and the average of the two regressions and
boosting are compared with the rankings a sceptic would try first (each single
feature, a plain logistic regression on the raw evidence); when one of those
wins, the queue uses it and says so. The winner is calibrated with Platt
scaling. Each fitted model also comes trained with visits weighted by the
inverse of their known chance of being chosen (capped), and forward validation
decides whether the weights help. Reasons come from a logistic model's
coefficients, whichever estimator ranks.
"""
from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from core.errors import ValidationError
from core.scoring.catalogue import DERIVED_FEATURES
from core.scoring.features import FeatureTable
from core.scoring.rules import RuleHits

MIN_EACH = 10  # problems and clean visits needed before a model is trusted
FOLDS = 5
CALIBRATION_BINS = 8
WEIGHT_CAP = 10.0  # largest inverse-probability weight, relative to a visit certain to be made
GUARDRAIL_MARGIN = 0.01  # AUC by which a simple ranking must beat the fitted models to replace them
STRENGTH = 0.1  # the inverse regularisation strength of a logistic regression not given or choosing one
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0)  # the inverse regularisation strengths a cross-validated fit chooses from
THREADED_ROWS = 10_000  # rows from which gradient boosting predicts on every core

LOGISTIC = "logistic"
SPARSE_LOGISTIC = "logistic:l1"
BOOSTING = "boosting"
ENSEMBLE = "ensemble"
EVIDENCE_LOGISTIC = "evidence_logistic"
SINGLE = "feature:"
WEIGHTED = ":weighted"  # the suffix of a fitted model trained with the selection weights


class NotEnoughOutcomes(ValidationError):
    """Training refused: too few outcomes of one kind."""


# Impact multiplies the probability into the priority; kept out of the model so that
# p(problem) is about likelihood alone and a handful of big matters are not memorised.
IMPACT_FEATURES = ("importance", "public_attention", "people_affected", "money_affected")


# Summaries of how much and how lately a source has observed, not of what it saw: the number of
# observations and the days since the last grow with the instance's history, and a change per
# year leans on how many years there are; past visits (shorter histories) and today differ on
# them whatever the tasks are like. Rules may read them; the model does not.
CADENCE_SUMMARIES = frozenset({"count", "days_since", "trend"})


def _history_summary(name: str) -> str:
    """The history summary a feature named ``source.kind.summary`` is ("" for any other feature)."""
    return name.rsplit(".", 1)[1] if name.count(".") >= 2 else ""


def _model_reads(name: str) -> bool:
    return name not in IMPACT_FEATURES and _history_summary(name) not in CADENCE_SUMMARIES


def model_inputs(names: list[str]) -> list[str]:
    """The names of the model's inputs for a catalogue with feature ``names``."""
    return [n for n in names if _model_reads(n)] + [feature.name for feature in DERIVED_FEATURES]


def model_matrix(table: FeatureTable, hits: RuleHits) -> tuple[np.ndarray, list[str]]:
    """The model's inputs: the catalogue's evidence features plus rule points, outside points, contradiction."""
    reported_done = np.nan_to_num(table.column("reported_done")) > 0
    contradiction = (reported_done & (hits.outside_points > 0)).astype(float)
    keep = [j for j, name in enumerate(table.names) if _model_reads(name)]
    derived = np.column_stack([hits.points, hits.outside_points, contradiction])
    return np.hstack([table.values[:, keep], derived]), model_inputs(table.names)


class _Ranker(ClassifierMixin, BaseEstimator):
    """What scikit-learn's calibration asks of an estimator besides ``fit`` and ``predict_proba``."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(int)


class LogisticRanker(_Ranker):
    """Regularised logistic regression behind median imputation, missing-value indicators and scaling.

    ``columns`` restricts it to some inputs: one column makes a single-feature
    ranking with its probabilities fitted (its direction is learnt, not assumed).
    ``penalty`` ``l1`` keeps only the inputs that earn their place (many summaries
    of one source say nearly the same thing); ``l2`` shrinks all of them.
    ``C`` None chooses the strength on the training outcomes themselves
    (:data:`STRENGTHS`, by cross-validated log-loss): how much an instance's
    evidence can carry depends on how many outcomes it has and how many of its
    inputs say something, which no fixed strength knows in advance.
    Accepts ``sample_weight`` so that calibration passes the weights through.
    """

    def __init__(self, columns: tuple[int, ...] | None = None, C: float | None = STRENGTH, penalty: str = "l2") -> None:
        self.columns = columns
        self.C = C
        self.penalty = penalty

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        return x if self.columns is None else x[:, list(self.columns)]

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> LogisticRanker:
        self.pipeline_ = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                                       StandardScaler(), self._regression(y))
        step = self.pipeline_.steps[-1][0]
        self.pipeline_.fit(self._inputs(x), y, **{f"{step}__sample_weight": sample_weight})
        self.classes_ = self.pipeline_.classes_
        return self

    def _regression(self, y: np.ndarray) -> LogisticRegression | LogisticRegressionCV:
        sparse = self.penalty == "l1"
        solver = "liblinear" if sparse else "lbfgs"
        folds = int(min(3, np.sum(y == 1), np.sum(y != 1)))
        if self.C is not None or folds < 2:
            return LogisticRegression(C=STRENGTH if self.C is None else self.C, l1_ratio=1.0 if sparse else 0.0,
                                      solver=solver, max_iter=3000)
        return LogisticRegressionCV(Cs=STRENGTHS, l1_ratios=(1.0 if sparse else 0.0,), solver=solver, max_iter=3000,
                                    cv=StratifiedKFold(folds, shuffle=True, random_state=0), scoring="neg_log_loss",
                                    use_legacy_attributes=False)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.pipeline_.predict_proba(self._inputs(x))

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return self.pipeline_.decision_function(self._inputs(x))


class BoostingRanker(_Ranker):
    """scikit-learn's histogram gradient boosting, kept small: it reads missing values natively."""

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> BoostingRanker:
        # Inputs never observed in training carry nothing (and its binning refuses them).
        self.kept_ = np.flatnonzero(~np.all(np.isnan(x), axis=0))
        x = x[:, self.kept_]
        self.model_ = HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=150, max_leaf_nodes=8, min_samples_leaf=20, l2_regularization=1.0,
            random_state=0)
        # Training sets are small: OpenMP threads cost more than they save (ten times more on two cores).
        with threadpool_limits(limits=1, user_api="openmp"):
            self.model_.fit(x, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        # A whole queue (tens of thousands of tasks) is worth the threads; a validation fold is not.
        with threadpool_limits(limits=None if len(x) >= THREADED_ROWS else 1, user_api="openmp"):
            return self.model_.predict_proba(x[:, self.kept_])


def sparse_logistic() -> LogisticRanker:
    """The L1 logistic regression over every input, its strength chosen on the training outcomes."""
    return LogisticRanker(C=None, penalty="l1")


def ensemble() -> VotingClassifier:
    """The average of the L1 and L2 logistic regressions' and gradient boosting's probabilities.

    The three err differently (one additive and sparse, one additive and
    keeping every input a little, one with thresholds and interactions), so
    their average is steadier than any of them on a few hundred outcomes; the
    two additive models hold two thirds of it. Both regressions choose their
    strength on the training outcomes.
    """
    return VotingClassifier([("sparse_logistic", sparse_logistic()),
                             ("logistic", LogisticRanker(C=None)), ("boosting", BoostingRanker())], voting="soft")


class SingleFeatureRanking(_Ranker):
    """Rank by one input, in the direction that separated problems in training; missing values rank in the middle.

    Its probabilities are a logistic curve of the input fitted on the training
    outcomes, rising in that direction (so forward validation's calibration of a
    chosen simple ranking means what it says); the curve never changes the ranking.
    """

    def __init__(self, column: int = 0) -> None:
        self.column = column

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> SingleFeatureRanking:
        values = x[:, self.column]
        seen = ~np.isnan(values)
        self.fill_ = float(np.median(values[seen])) if seen.any() else 0.0
        filled = np.where(seen, values, self.fill_)
        self.direction_ = 1.0
        self.centre_, self.scale_ = float(np.mean(filled)), float(np.std(filled)) or 1.0
        self.intercept_, self.slope_ = 0.0, 1e-6
        if 0 < y.sum() < len(y) and np.ptp(filled) > 0:
            self.direction_ = 1.0 if auc(y, filled) >= 0.5 else -1.0
            curve = LogisticRegression(C=100.0).fit(self._standard(filled).reshape(-1, 1), y,
                                                    sample_weight=sample_weight)
            # A slope against the direction (possible when the two classes overlap oddly) flattens to the base rate.
            self.intercept_, self.slope_ = float(curve.intercept_[0]), max(float(curve.coef_[0][0]), 1e-6)
        elif len(y):
            rate = min(max(float(np.mean(y)), 1e-6), 1 - 1e-6)
            self.intercept_ = float(np.log(rate / (1 - rate)))
        self.classes_ = np.array([0, 1])
        return self

    def _standard(self, filled: np.ndarray) -> np.ndarray:
        return self.direction_ * (filled - self.centre_) / self.scale_

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        values = x[:, self.column]
        return self.intercept_ + self.slope_ * self._standard(np.where(np.isnan(values), self.fill_, values))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        score = 1.0 / (1.0 + np.exp(-np.clip(self.decision_function(x), -500, 500)))
        return np.column_stack([1 - score, score])


@dataclass(frozen=True)
class Candidate:
    """One way of ranking that forward validation may choose.

    ``kind`` is ``fitted`` (a model over every input) or ``simple`` (a ranking a
    sceptic would try first: one feature, or a plain logistic regression on the
    raw evidence without rule points or history summaries).
    """

    name: str
    kind: str
    make: Callable[[], Any]
    weighted: bool = True


def candidates(names: list[str]) -> list[Candidate]:
    """The family compared by forward validation for model inputs ``names``.

    The fitted models come in the order they are preferred in, and each later
    one must beat the one standing to replace it: the average of the L1 and L2
    logistic regressions and gradient boosting first (on a few hundred
    outcomes, which single model validates best is mostly chance, and an
    average of models that err differently ranks more steadily than the one
    that happened to win), then the L1 logistic regression (sparse, additive),
    gradient boosting alone, the L2 logistic regression, and then the same four
    trained with the selection weights. A single model's lead must show on the
    later reviews before it replaces the average: trees alone rank tasks unlike
    the visited ones (never visited, or visited long ago) less surely than an
    additive model does. Unweighted comes first because visits are chosen on
    what Duban records (the queue's own ranking, random draws): a model of the
    chance of a problem given those records needs no weights to be unbiased,
    and weights only add noise; they can still win where the model is wrong
    in a way the random draws reveal. So the estimator and the use of weights
    are chosen on the instance's own later reviews, not fixed in advance.
    """
    derived = {feature.name for feature in DERIVED_FEATURES}
    raw = tuple(j for j, name in enumerate(names) if name not in derived and not _history_summary(name))
    fitted: list[tuple[str, Callable[[], Any]]] = [
        (ENSEMBLE, ensemble), (SPARSE_LOGISTIC, sparse_logistic),
        (BOOSTING, BoostingRanker), (LOGISTIC, LogisticRanker)]
    found = [Candidate(name, "fitted", make, weighted=False) for name, make in fitted]
    found += [Candidate(name + WEIGHTED, "fitted", make) for name, make in fitted]
    found.append(Candidate(EVIDENCE_LOGISTIC, "simple", partial(LogisticRanker, raw), weighted=False))
    found += [Candidate(f"{SINGLE}{name}", "simple", partial(SingleFeatureRanking, j)) for j, name in enumerate(names)]
    return found


def _calibrated(make: Callable[[], Any], x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> Any:
    folds = int(min(3, y.sum(), len(y) - y.sum()))
    if folds < 2:
        return make().fit(x, y, sample_weight=weights)
    # ensemble=False: the estimator that ranks is fitted on every outcome; the folds only fit the
    # sigmoid, on predictions for outcomes each fold did not train on.
    return CalibratedClassifierCV(make(), method="sigmoid", cv=folds, ensemble=False).fit(
        x, y, sample_weight=weights)


def selection_weights(probabilities: np.ndarray | None, n: int, cap: float = WEIGHT_CAP) -> np.ndarray:
    """Training weights: each visit counts 1/p for the chance p it had of being chosen.

    Visits drawn at random with a small chance stand for the many tasks like
    them that were not visited. Unknown chances count as 1 (the visit was
    certain to be made). Weights are capped at ``cap`` and scaled to a mean of
    one, so that a few visits with p ≈ 1/300 cannot swamp training.
    """
    if probabilities is None:
        return np.ones(n)
    p = np.asarray(probabilities, dtype=float)
    p = np.where(np.isfinite(p) & (p > 0), np.clip(p, 0, 1), 1.0)
    weights = np.minimum(1.0 / p, cap)
    return weights / weights.mean() if len(weights) else weights


@dataclass
class TrainedModel:
    """A fitted model: calibrated probabilities, and a plain logistic fit to explain them."""

    names: list[str]
    calibrated: Any
    explainer: Any
    metrics: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The calibrated probability of a problem for each row."""
        if len(x) == 0:
            return np.zeros(0)
        return self.calibrated.predict_proba(x)[:, 1]

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's push on the log-odds of the logistic explainer (its missing-indicator folded in).

        When another candidate won (boosting, a single feature), its ranking is
        explained by the logistic model over every input, and the model's
        metrics say so (``explained_by``).
        """
        pipeline = getattr(self.explainer, "pipeline_", self.explainer)
        imputer, scaler, regression = pipeline.named_steps.values()
        z = scaler.transform(imputer.transform(x))
        parts = z * regression.coef_[0]
        m = len(self.names)
        result = parts[:, :m].copy()
        indicator = imputer.indicator_
        if indicator is not None:
            for k, feature_index in enumerate(indicator.features_):
                result[:, feature_index] += parts[:, m + k]
        return result

    def coefficients(self) -> np.ndarray:
        """The logistic explainer's coefficient of each input (on standardised values)."""
        pipeline = getattr(self.explainer, "pipeline_", self.explainer)
        return pipeline.named_steps["logisticregression"].coef_[0][: len(self.names)]

    def dump(self) -> bytes:
        return pickle.dumps({"names": self.names, "calibrated": self.calibrated, "explainer": self.explainer,
                             "metrics": self.metrics})

    @classmethod
    def load(cls, blob: bytes) -> TrainedModel:
        data = pickle.loads(blob)  # noqa: S301 - written by Duban itself into its own database
        return cls(data["names"], data["calibrated"], data["explainer"], data.get("metrics", {}))


def check_enough(y: np.ndarray, minimum: int = MIN_EACH) -> None:
    """Refuse training unless ``minimum`` problems and ``minimum`` clean visits are recorded."""
    problems, clean = int(y.sum()), int(len(y) - y.sum())
    if problems < minimum or clean < minimum:
        raise NotEnoughOutcomes(
            "Only %(problems)s visits found a problem and %(clean)s found none; at least %(needed)s of each are "
            "needed to train. The queue keeps ranking by the rules alone.",
            problems=problems, clean=clean, needed=minimum)


def fit(x: np.ndarray, y: np.ndarray, names: list[str], visited_on: np.ndarray, *, budget: int = 20,
        minimum: int = MIN_EACH, probabilities: np.ndarray | None = None) -> TrainedModel:
    """Compare the family walking forward in time, then fit the winner on every outcome.

    Each fitted model stands unless a later one in :func:`candidates` beats it,
    and the fitted model stands unless the best simple ranking beats it; "beats" means on the
    same later folds by more than ``GUARDRAIL_MARGIN`` of AUC and more than the
    standard error of the paired differences. When the simple ranking beats the
    standing model but not another fitted one, the first such (in the order of
    preference) ranks instead; when it beats them all, the queue uses it, and
    the metrics say so (``guardrail``).
    """
    y = y.astype(int)
    check_enough(y, minimum)
    weights = selection_weights(probabilities, len(y))
    family = candidates(names)
    if np.all(weights == 1.0):  # no chances known: the weighted variants are the same models
        family = [c for c in family if not c.name.endswith(WEIGHTED)]
    metrics = forward_validation(x, y, visited_on, budget=budget, family=family, weights=weights)
    chosen = next(c for c in family if c.name == metrics["model"])
    used = weights if chosen.weighted else None
    metrics.update({"outcomes": int(len(y)), "problems": int(y.sum()), "features": names,
                    "weighted": bool(chosen.weighted and probabilities is not None and np.any(weights != 1.0)),
                    "explained_by": LOGISTIC})
    explainer = LogisticRanker().fit(x, y, sample_weight=used)
    model = TrainedModel(names, _calibrated(chosen.make, x, y, used), explainer, metrics)
    coefficients = explainer.pipeline_.named_steps["logisticregression"].coef_[0][: len(names)]
    metrics["coefficients"] = {name: round(float(c), 4) for name, c in zip(names, coefficients, strict=True)}
    return model


def _blocks(visited_on: np.ndarray, folds: int) -> list[np.ndarray]:
    """Consecutive blocks of outcomes by date; a day's visits never straddle two blocks."""
    order = np.argsort(visited_on, kind="stable")
    days = np.asarray(visited_on)[order]
    bounds = [0]
    for k in range(1, folds):
        cut = int(round(k * len(order) / folds))
        while 0 < cut < len(order) and days[cut] == days[cut - 1]:
            cut += 1
        if cut > bounds[-1]:
            bounds.append(cut)
    bounds.append(len(order))
    return [order[a:b] for a, b in pairwise(bounds) if b > a]


def forward_validation(x: np.ndarray, y: np.ndarray, visited_on: np.ndarray, *, budget: int = 20,
                       folds: int = FOLDS, family: list[Candidate] | None = None,
                       weights: np.ndarray | None = None) -> dict[str, Any]:
    """Each candidate's AUC, precision and recall at the budget on later reviews than it trained on.

    Returns the winner's figures at the top level (``model`` names it), every
    candidate's under ``candidates``, and whether the guardrail chose a simple
    ranking over the fitted models.
    """
    family = family if family is not None else candidates([f"x{j}" for j in range(x.shape[1])])
    weights = np.ones(len(y)) if weights is None else weights
    blocks = _blocks(visited_on, folds)
    scored: dict[str, dict[str, list[Any]]] = {c.name: {"p": [], "y": [], "auc": [], "size": [], "precision": [],
                                                         "recall": []} for c in family}
    used = 0
    for k in range(1, len(blocks)):
        train = np.concatenate(blocks[:k])
        test = blocks[k]
        if y[train].sum() < 2 or (len(train) - y[train].sum()) < 2:
            continue
        used += 1
        top_n = max(1, min(budget, len(test) // 2))
        for candidate in family:
            used_weights = weights[train] if candidate.weighted else None
            p = candidate.make().fit(x[train], y[train], sample_weight=used_weights).predict_proba(x[test])[:, 1]
            record = scored[candidate.name]
            record["p"].append(p)
            record["y"].append(y[test])
            if 0 < y[test].sum() < len(test):
                record["auc"].append(auc(y[test], p))
                record["size"].append(len(test))
            top = np.argsort(-p, kind="stable")[:top_n]
            record["precision"].append(float(y[test][top].mean()))
            if y[test].sum():
                record["recall"].append(float(y[test][top].sum() / y[test].sum()))
    summary = {name: _summary(record) for name, record in scored.items()}
    fitted = [c.name for c in family if c.kind == "fitted"]
    simple = [c.name for c in family if c.kind == "simple"]
    aucs = {name: record["auc"] for name, record in scored.items()}
    winner, best_fitted, best_simple = choose(aucs, {name: _auc_key(summary[name]) for name in summary},
                                              fitted, simple)
    guardrail = winner == best_simple
    record = scored[winner]
    calibration = (calibration_bins(np.concatenate(record["p"]), np.concatenate(record["y"]))
                   if record["p"] else [])
    shown = sorted(summary, key=lambda name: -(_auc_key(summary[name])))
    kept = [name for name in shown if not name.startswith(SINGLE)] + [n for n in shown if n.startswith(SINGLE)][:5]
    return {"folds": used, "model": winner, "guardrail": bool(guardrail), "best_fitted": best_fitted,
            "best_simple": best_simple, "auc": summary[winner]["auc"],
            "precision_at_budget": summary[winner]["precision"], "recall_at_budget": summary[winner]["recall"],
            "budget": budget, "calibration": calibration, "base_rate": float(y.mean()),
            "validated": int(sum(len(part) for part in record["y"])),
            "candidates": {name: summary[name] for name in kept}}


def choose(aucs: dict[str, list[float]], overall: dict[str, float], fitted: list[str],
           simple: list[str]) -> tuple[str, str, str | None]:
    """The ranking that wins forward validation, the best fitted model and the best simple ranking.

    ``aucs`` holds each candidate's AUC per later fold, ``overall`` its AUC
    over all of them; ``fitted`` comes in the order of preference. Each fitted
    model stands unless a later one beats it (:func:`_beats`); when the best
    simple ranking beats the standing model, the first fitted model it does
    not beat stands instead, and when it beats them all, it wins.
    """
    best_fitted = fitted[0]
    for name in fitted[1:]:
        if _beats(aucs[name], aucs[best_fitted]):
            best_fitted = name
    best_simple = max(simple, key=lambda name: overall[name]) if simple else None
    if best_simple is None or not _beats(aucs[best_simple], aucs[best_fitted]):
        return best_fitted, best_fitted, best_simple
    unbeaten = [name for name in fitted if not _beats(aucs[best_simple], aucs[name])]
    if unbeaten:
        return unbeaten[0], unbeaten[0], best_simple
    return best_simple, best_fitted, best_simple


def _beats(challenger: list[float], holder: list[float]) -> bool:
    """True when ``challenger`` beat ``holder`` on the same later folds by more than noise.

    The mean paired difference of AUC must exceed both ``GUARDRAIL_MARGIN`` and
    its own standard error: the best of many candidates looks better than it
    is (the winner's curse), so a lead within the folds' scatter does not count.
    """
    if not challenger or len(challenger) != len(holder):
        return False
    differences = np.asarray(challenger) - np.asarray(holder)
    spread = float(differences.std(ddof=1) / np.sqrt(len(differences))) if len(differences) > 1 else 0.0
    return float(differences.mean()) > max(GUARDRAIL_MARGIN, spread)


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """The area under the ROC curve (ties count half): the Mann-Whitney statistic, without validation overhead."""
    positives = int(y.sum())
    negatives = len(y) - positives
    ranks = rankdata(score)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _summary(record: dict[str, list[Any]]) -> dict[str, float | None]:
    auc = float(np.average(record["auc"], weights=record["size"])) if record["auc"] else None
    return {"auc": auc, "precision": float(np.mean(record["precision"])) if record["precision"] else None,
            "recall": float(np.mean(record["recall"])) if record["recall"] else None}


def _auc_key(summary: dict[str, float | None]) -> float:
    return summary["auc"] if summary["auc"] is not None else -1.0


def calibration_bins(p: np.ndarray, y: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict[str, float]]:
    """Predicted against observed problem rates in bins of equal count."""
    order = np.argsort(p, kind="stable")
    result = []
    for chunk in np.array_split(order, min(bins, max(1, len(p)))):
        if len(chunk):
            result.append({"predicted": float(p[chunk].mean()), "observed": float(y[chunk].mean()),
                           "count": int(len(chunk))})
    return result


def rules_probability(points: np.ndarray) -> np.ndarray:
    """Rules alone: points on a logistic scale (30 points ≈ even odds). A ranking, not a calibrated estimate."""
    return 1.0 / (1.0 + np.exp(-(np.asarray(points, dtype=float) - 30.0) / 15.0))


def impact(table: FeatureTable) -> np.ndarray:
    """What a problem would cost: importance, public attention, people and money affected.

    1.0 for an ordinary matter (importance 3, no attention, nobody counted);
    each factor grows slowly (logarithms) so no single field dominates.
    """
    importance = np.nan_to_num(table.column("importance"), nan=3.0)
    attention = np.nan_to_num(table.column("public_attention"), nan=0.0)
    people = np.clip(np.nan_to_num(table.column("people_affected"), nan=0.0), 0, None)
    money = np.clip(np.nan_to_num(table.column("money_affected"), nan=0.0), 0, None)
    return ((np.clip(importance, 1, 5) / 3.0) * (1 + np.clip(attention, 0, 5) / 5.0)
            * (1 + np.log10(1 + people) / 6.0) * (1 + np.log10(1 + money) / 12.0))


def day_before(day: date) -> date:
    """The last day whose evidence may describe a visit on ``day``."""
    return day - timedelta(days=1)
