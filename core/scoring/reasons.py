"""The reasons stored with every score, built for a whole province at once.

A task's reasons are its top rule hits (by points), then the model's strongest
pushes. Each rule's reason is the same every time but for the values it
shows, and so is each feature's: its JSON is made once, from the very dict a
single reason is (with placeholders for those values), and filled in per task.
So rescoring 100,000 tasks formats their values and joins strings, instead of
building and serialising half a million dicts.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from core.scoring.catalogue import DERIVED_FEATURES, Feature
from core.scoring.explain import feature_reason, shown_alike, shown_value

if TYPE_CHECKING:
    from core.scoring.context import ScoringContext
    from core.scoring.rescore import Scores
    from core.scoring.rules import Rule

TOP_RULES = 3
PUSH_TOLD = 0.05  # the smallest push on the log-odds told as a reason
_DERIVED = {feature.name: feature for feature in DERIVED_FEATURES}
_HOLE = "\x00{}\x00"  # a placeholder no rule or label contains (NUL is refused in every text Duban stores)


def rule_reason(rule: Rule, params: dict[str, str]) -> dict[str, Any]:
    """A rule hit as stored with the score: the rule, its points and sentence, the values the sentence names."""
    return {"type": "rule", "id": rule.id, "points": rule.points, "text": rule.reason, "params": params}


def reasons_json(scores: Scores, context: ScoringContext, rows: np.ndarray | None = None) -> list[str]:
    """Each task's reasons (of ``rows``, or all) as the JSON text stored with its score.

    A push is told only where the task's value is known and the model's effect
    points the way the feature's own direction says (a feature that should
    raise the risk when high is never said to raise it by being low, nor by
    being zero: "no problems found before" is no reason to visit). Nor is a
    value told twice: a push on a feature whose value a told rule's sentence
    already says ("20 days past the deadline") is left out.
    """
    rows = np.arange(len(scores.table)) if rows is None else np.asarray(rows)
    parts = np.full((len(rows), TOP_RULES + _told_at_most(scores)), None, dtype=object)
    said = _rule_parts(scores, context, rows, parts)
    _feature_parts(scores, context, rows, parts[:, TOP_RULES:], said)
    return ["[" + ", ".join([part for part in row if part is not None]) + "]" for row in parts.tolist()]


def _told_at_most(scores: Scores) -> int:
    """How many feature pushes a task may be told (none without a model)."""
    return 0 if scores.top_features is None else scores.top_features.shape[1]


def _rule_parts(scores: Scores, context: ScoringContext, rows: np.ndarray, parts: np.ndarray) -> dict[str, np.ndarray]:
    """Column ``p`` of ``parts``: the task's ``p``-th hit among the rules by points (ties in the file's order).

    Returns, for each feature a told rule's sentence names, which tasks (of ``rows``) were told it.
    """
    said: dict[str, np.ndarray] = {}
    rules = scores.hits.ruleset.rules
    if not rules or not len(rows):
        return said
    order = np.argsort(-np.array([rule.points for rule in rules]), kind="stable")
    ordered = scores.hits.hits[rows][:, order]
    first = np.argsort(~ordered, axis=1, kind="stable")[:, :TOP_RULES]
    taken = np.take_along_axis(ordered, first, axis=1)
    chosen = order[first]
    column = {name: j for j, name in enumerate(scores.table.names)}
    values = scores.table.values
    for j in np.unique(chosen[taken]):
        rule = rules[j]
        names = list(rule.shown_features)
        fill = _template(rule_reason(rule, {name: _HOLE.format(k) for k, name in enumerate(names)}), len(names))
        tasks, positions = np.nonzero(taken & (chosen == j))
        shown = []
        for name in names:
            index = column.get(name)
            found = values[rows[tasks], index] if index is not None else np.full(len(tasks), np.nan)
            shown.append(_shown_codes(context.catalogue.get(name), found))
        parts[tasks, positions] = _filled_in(fill, shown, len(tasks)) if names else fill()
        for name in rule.named_features:
            said.setdefault(name, np.zeros(len(rows), dtype=bool))[tasks] = True
    return said


def _feature_parts(scores: Scores, context: ScoringContext, rows: np.ndarray, parts: np.ndarray,
                   said: dict[str, np.ndarray]) -> None:
    """Column ``p`` of ``parts``: the task's ``p``-th strongest push, where it is told (see :func:`reasons_json`)."""
    if scores.top_features is None or scores.inputs is None or context.model is None or not len(rows):
        return
    top = scores.top_features[rows]
    pushes = np.take_along_axis(scores.contributions[rows], top, axis=1)  # type: ignore[index]  # set with top
    inputs = np.take_along_axis(scores.inputs[rows], top, axis=1)
    names = context.model.names
    features = [context.catalogue.get(name) or _DERIVED.get(name) for name in names]
    raises_when_high = np.array([feature is not None and feature.direction > 0 for feature in features])[top]
    told = (pushes > PUSH_TOLD) & ~np.isnan(inputs) & ~((inputs == 0) & raises_when_high)
    for m in np.unique(top[told]):
        if names[m] in said:
            told[(top == m) & said[names[m]][:, None]] = False
    for m in np.unique(top[told]):
        feature = features[m]
        if feature is None:
            continue
        sample = feature_reason(feature, 0.0, 0.0)
        sample.update(value=_HOLE.format(0), effect=_HOLE.format(1))
        fill = _template(sample, 2)
        tasks, positions = np.nonzero(told & (top == m))
        shown = [_shown_codes(feature, inputs[tasks, positions]), _effect_codes(pushes[tasks, positions])]
        parts[tasks, positions] = _filled_in(fill, shown, len(tasks))


def _filled_in(fill: Callable[..., str], shown: list[tuple[list[str], np.ndarray]], count: int) -> list[str]:
    """``fill`` for each of ``count`` reasons, given the texts each hole shows (distinct texts, and which one where).

    Reasons that show the same texts are filled once.
    """
    combined = np.zeros(count, dtype=np.int64)
    for texts, index in shown:
        # Renumbered after each hole, so the codes stay below ``count``.
        combined = np.unique(combined * len(texts) + index, return_inverse=True)[1].ravel()
    _distinct, first, index = np.unique(combined, return_index=True, return_inverse=True)
    filled = [fill(*(texts[which[k]] for texts, which in shown)) for k in first.tolist()]
    return [filled[k] for k in index.ravel().tolist()]


def _effect_codes(pushes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Each push as json.dumps writes a float, Python's repr of it rounded to three places: the distinct texts, and
    which one each push shows.

    Pushes are told apart by their thousandths; one within a hair of half a thousandth, where
    multiplying by 1,000 might round the other way, is written on its own.
    """
    scaled = pushes * 1000
    nearest = np.rint(scaled)
    sure = np.abs(scaled - nearest) < 0.5 - 1e-6
    sure &= np.abs(scaled) < 2.0**30  # where the product is off by far less than the margin
    # Bit by bit: a push just below zero is written -0.0. Pushes not sure get a code of their own.
    codes = np.unique(nearest[sure].view(np.int64), return_inverse=True)[1].ravel()
    index = np.empty(len(pushes), dtype=np.int64)
    index[sure] = codes
    index[~sure] = codes.max(initial=-1) + 1 + np.arange(int((~sure).sum()))
    first = np.zeros(int(index.max(initial=-1)) + 1, dtype=np.int64)
    first[index] = np.arange(len(pushes))
    texts = [repr(round(push, 3)) for push in pushes[first].tolist()]
    return texts, index


def _template(reason: dict[str, Any], holes: int) -> Callable[..., str]:
    """``reason`` as JSON with its placeholders left open: a function filling them, in order, with JSON texts."""
    text = json.dumps(reason)
    marks = [json.dumps(_HOLE.format(k)) for k in range(holes)]
    at = [text.find(mark) for mark in marks]
    if any(text.count(mark) != 1 for mark in marks) or at != sorted(at):
        # A text holding a placeholder itself: each reason is serialised whole instead.
        return lambda *filled: json.dumps(_filled(reason, [json.loads(value) for value in filled]))
    return "{}".join(piece.replace("{", "{{").replace("}", "}}") for piece in _split(text, marks)).format


def _split(text: str, marks: list[str]) -> list[str]:
    pieces = []
    for mark in marks:
        head, _, text = text.partition(mark)
        pieces.append(head)
    return [*pieces, text]


def _filled(value: Any, filled: list[Any]) -> Any:
    if isinstance(value, dict):
        return {key: _filled(item, filled) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("\x00") and value.endswith("\x00"):
        return filled[int(value[1:-1])]
    return value


def _shown_json(feature: Feature | None, values: np.ndarray) -> list[str]:
    """Each value as :func:`~core.scoring.explain.shown_value` shows it, as a JSON string."""
    texts, index = _shown_codes(feature, values)
    return [texts[k] for k in index.tolist()]


def _shown_codes(feature: Feature | None, values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The JSON strings of :func:`~core.scoring.explain.shown_value` for ``values``, each distinct text once, and
    which one each value shows."""
    values = np.asarray(values, dtype=float)
    alike = shown_alike(feature, values)
    # Bit by bit: -0.0 is not 0.0 (it shows as "-0").
    _distinct, first, index = np.unique(alike.view(np.int64), return_index=True, return_inverse=True)
    quote = json.encoder.encode_basestring_ascii  # what json.dumps does with a str
    return [quote(shown_value(feature, value)) for value in values[first].tolist()], index.ravel()
