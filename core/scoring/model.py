"""The model: trained on past on-site outcomes, calibrated, validated on later reviews.

Each past review is described by its task's features as they stood the day
before the visit (:func:`core.scoring.features.compute_features` with that
date), so nothing learnt on site leaks back into training. Validation walks
forward in time: every fold is tested on reviews later than all it was
trained on. Until enough outcomes of both kinds exist the model is refused
and the queue keeps ranking by rules alone.

The estimator is a logistic regression behind median imputation with
missing-value indicators (not every task has every source), calibrated with
Platt scaling; its coefficients give each feature's contribution in plain words.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from core.errors import ValidationError
from core.scoring.catalogue import DERIVED_FEATURES
from core.scoring.features import FeatureTable
from core.scoring.rules import RuleHits

MIN_EACH = 10  # problems and clean visits needed before a model is trusted
FOLDS = 5
CALIBRATION_BINS = 8


class NotEnoughOutcomes(ValidationError):
    """Training refused: too few outcomes of one kind."""


# Impact multiplies the probability into the priority; kept out of the model so that
# p(problem) is about likelihood alone and a handful of big matters are not memorised.
IMPACT_FEATURES = ("importance", "public_attention", "people_affected", "money_affected")


def model_inputs(names: list[str]) -> list[str]:
    """The names of the model's inputs for a catalogue with feature ``names``."""
    return [n for n in names if n not in IMPACT_FEATURES] + [feature.name for feature in DERIVED_FEATURES]


def model_matrix(table: FeatureTable, hits: RuleHits) -> tuple[np.ndarray, list[str]]:
    """The model's inputs: the catalogue's evidence features plus rule points, outside points, contradiction."""
    reported_done = np.nan_to_num(table.column("reported_done")) > 0
    contradiction = (reported_done & (hits.outside_points > 0)).astype(float)
    keep = [j for j, name in enumerate(table.names) if name not in IMPACT_FEATURES]
    derived = np.column_stack([hits.points, hits.outside_points, contradiction])
    return np.hstack([table.values[:, keep], derived]), model_inputs(table.names)


def _estimator() -> Pipeline:
    return make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                         StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))


def _calibrated(x: np.ndarray, y: np.ndarray) -> Any:
    folds = int(min(3, y.sum(), len(y) - y.sum()))
    if folds < 2:
        return _estimator().fit(x, y)
    return CalibratedClassifierCV(_estimator(), method="sigmoid", cv=folds).fit(x, y)


@dataclass
class TrainedModel:
    """A fitted model: calibrated probabilities, and a plain fit to explain them."""

    names: list[str]
    calibrated: Any
    explainer: Pipeline
    metrics: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The calibrated probability of a problem for each row."""
        if len(x) == 0:
            return np.zeros(0)
        return self.calibrated.predict_proba(x)[:, 1]

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's push on the log-odds for each row (its missing-indicator folded in)."""
        imputer, scaler, regression = self.explainer.named_steps.values()
        z = scaler.transform(imputer.transform(x))
        parts = z * regression.coef_[0]
        m = len(self.names)
        result = parts[:, :m].copy()
        indicator = imputer.indicator_
        if indicator is not None:
            for k, feature_index in enumerate(indicator.features_):
                result[:, feature_index] += parts[:, m + k]
        return result

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
        minimum: int = MIN_EACH) -> TrainedModel:
    """Validate walking forward in time, then fit on every outcome."""
    y = y.astype(int)
    check_enough(y, minimum)
    metrics = forward_validation(x, y, visited_on, budget=budget)
    metrics.update({"outcomes": int(len(y)), "problems": int(y.sum()), "features": names})
    explainer = _estimator().fit(x, y)
    model = TrainedModel(names, _calibrated(x, y), explainer, metrics)
    coefficients = model.explainer.named_steps["logisticregression"].coef_[0][: len(names)]
    metrics["coefficients"] = {name: round(float(c), 4) for name, c in zip(names, coefficients)}
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
    return [order[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


def forward_validation(x: np.ndarray, y: np.ndarray, visited_on: np.ndarray, *, budget: int = 20,
                       folds: int = FOLDS) -> dict[str, Any]:
    """AUC, precision and recall at the budget, and calibration, on later reviews than trained on."""
    blocks = _blocks(visited_on, folds)
    predicted, observed, precisions, recalls, used = [], [], [], [], 0
    for k in range(1, len(blocks)):
        train = np.concatenate(blocks[:k])
        test = blocks[k]
        if y[train].sum() < 2 or (len(train) - y[train].sum()) < 2:
            continue
        p = _calibrated(x[train], y[train]).predict_proba(x[test])[:, 1]
        predicted.append(p)
        observed.append(y[test])
        used += 1
        top = np.argsort(-p, kind="stable")[: max(1, min(budget, len(test) // 2))]
        precisions.append(float(y[test][top].mean()))
        if y[test].sum():
            recalls.append(float(y[test][top].sum() / y[test].sum()))
    if not predicted:
        return {"folds": 0, "auc": None, "precision_at_budget": None, "recall_at_budget": None,
                "budget": budget, "calibration": [], "base_rate": float(y.mean())}
    p_all, y_all = np.concatenate(predicted), np.concatenate(observed)
    auc = float(roc_auc_score(y_all, p_all)) if 0 < y_all.sum() < len(y_all) else None
    return {"folds": used, "auc": auc, "precision_at_budget": float(np.mean(precisions)),
            "recall_at_budget": float(np.mean(recalls)) if recalls else None, "budget": budget,
            "calibration": calibration_bins(p_all, y_all), "base_rate": float(y.mean()),
            "validated": int(len(y_all))}


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
