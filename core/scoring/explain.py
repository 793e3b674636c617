"""Reasons a person can read: rule hits and feature contributions, in the reader's language.

Reasons are stored with a score as plain data (a message id and its filled-in
values), so they are translated when shown, not when computed.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from core.i18n import N_, Gettext, Message, message
from core.scoring.catalogue import Catalogue, Feature


def shown_value(feature: Feature | None, value: float) -> str:
    """A feature value as a person reads it: ``62%`` for shares, whole days, grouped yuan."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    scale = feature.scale if feature else "value"
    if scale == "share":
        return f"{value * 100:.0f}%"
    if scale == "percent":
        return f"{value:.0f}%"
    if scale in ("days", "count", "level", "flag"):
        return f"{value:,.0f}"
    if scale == "yuan":
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value - round(value)) > 1e-9 else f"{value:,.0f}"


def shown_alike(feature: Feature | None, values: np.ndarray) -> np.ndarray:
    """A number per value, the same for values :func:`shown_value` shows alike (whole numbers rounded as it rounds).

    So a province's values are each shown once per distinct text, not once per task.
    """
    scale = feature.scale if feature else "value"
    values = np.asarray(values, dtype=float)
    if scale == "share":
        return np.asarray(np.rint(values * 100))  # half to even, as format() rounds
    if scale in ("percent", "days", "count", "level", "flag", "yuan"):
        return np.asarray(np.rint(values))
    return values


def feature_reason(feature: Feature, value: float, effect: float) -> dict[str, Any]:
    """A feature's contribution to the model's estimate, as stored with the score."""
    reason = {"type": "feature", "name": feature.name, "label": feature.label,
              "value": shown_value(feature, value), "effect": round(float(effect), 3)}
    if feature.summary:
        reason["of_label"] = feature.of_label
    return reason


def reason_message(reason: dict[str, Any]) -> Message:
    """A stored reason as a translatable message."""
    if reason.get("type") == "rule":
        return Message(reason["text"], dict(reason.get("params") or {}))
    if reason.get("of_label"):
        label = Message(reason["label"], {"feature": Message(reason["of_label"], {})})
    else:
        label = Message(reason.get("label") or reason.get("name", ""), {})
    if reason.get("effect", 0) >= 0:
        return message("%(feature)s: %(value)s (raises the risk)", feature=label, value=reason.get("value", ""))
    return message("%(feature)s: %(value)s (lowers the risk)", feature=label, value=reason.get("value", ""))


def render_reasons(reasons: Iterable[dict[str, Any]], gettext: Gettext, limit: int = 3) -> list[str]:
    """The top reasons as sentences: rule hits first, then the model's strongest contributions.

    A contribution whose value is missing ("—") says nothing a person can check, so it is not
    shown, even where an older scoring stored it.
    """
    rules = [r for r in reasons if r.get("type") == "rule"]
    features = [r for r in reasons if r.get("type") == "feature" and r.get("value") not in ("—", "", None)]
    chosen = rules[:limit]
    # The model's strongest contribution is always shown, even beside three rule hits.
    chosen += features[: max(limit - len(chosen), 1)]
    return [_render(reason, gettext) for reason in chosen]


def _render(reason: dict[str, Any], gettext: Gettext) -> str:
    try:
        return reason_message(reason).render(gettext)
    except (KeyError, ValueError, TypeError):
        # A staff-written reason whose translation lost a placeholder: show it unfilled.
        return gettext(reason.get("text", ""))


CANDIDATE_LABELS = {
    "logistic": N_("Logistic regression over every input (L2)"),
    "logistic:l1": N_("Sparse logistic regression over every input (L1)"),
    "boosting": N_("Gradient boosting over every input"),
    "ensemble": N_("Average of the L1 and L2 logistic regressions and gradient boosting"),
    "evidence_logistic": N_("Plain logistic regression on the raw evidence"),
}


def candidate_message(name: str, catalogue: Catalogue | None = None) -> Message:
    """A ranking compared in validation, named for a person (``feature:<name>`` is one feature)."""
    if name.endswith(":weighted") and name[: -len(":weighted")] in CANDIDATE_LABELS:
        return message("%(model)s, visits weighted by their chance of being chosen",
                       model=Message(CANDIDATE_LABELS[name[: -len(":weighted")]], {}))
    if name.startswith("feature:"):
        feature_name = name.split(":", 1)[1]
        feature = catalogue.get(feature_name) if catalogue is not None else None
        if feature is None:
            return message("Ranking by one feature: %(feature)s", feature=feature_name)
        return message("Ranking by one feature: %(feature)s", feature=feature_label(feature))
    return Message(CANDIDATE_LABELS.get(name, name), {})


def feature_label(feature: Feature) -> Message:
    """A feature's label; a history summary names the kind it summarises."""
    if feature.summary:
        return Message(feature.label, {"feature": Message(feature.of_label, {})})
    return Message(feature.label, {})
