"""Declarative scoring rules: core's defaults, the plugins' defaults, the instance's TOML.

A rule file holds ``[[rule]]`` tables::

    [[rule]]
    id = "long_overdue"
    when = "overdue_days > 30"
    points = 30
    reason = "%(overdue_days)s days overdue"

``when`` is a condition in :mod:`core.scoring.expressions`; ``reason`` is a
sentence a person can read, with ``%(feature)s`` standing for a feature's
value. An optional ``[queue]`` table sets the office's order of the queue::

    [queue]
    order = "expected_harm"   # or "likelihood", the default

 The instance's rules override defaults with the same ``id``; ``enabled =
false`` switches a default off. A rule file with a mistake is refused whole,
naming the rule and the position of the mistake.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import ValidationError
from core.hooktypes import RuleSpec
from core.i18n import N_, Message, message
from core.scoring.catalogue import Catalogue
from core.scoring.expressions import ExpressionError, Node, parse, truth
from core.scoring.features import FeatureTable

_ID = re.compile(r"[A-Za-z0-9_.\-]{1,80}")
_PLACEHOLDER = re.compile(r"%\(([^)]*)\)s")
MAX_RULES = 500

#: The queue's orders. ``likelihood``: the chance of a real problem, so that a budget of visits finds
#: the most problems. ``expected_harm``: that chance times the matter's impact, for an office that
#: would rather check an important matter with a smaller chance of a problem.
LIKELIHOOD = "likelihood"
EXPECTED_HARM = "expected_harm"
QUEUE_ORDERS = (LIKELIHOOD, EXPECTED_HARM)


class RuleError(ValidationError):
    """A rule file that cannot be used; the message names the rule and the position."""

    #: Where in the rule's condition the mistake is (1-based), when it is in one.
    column: int | None = None


# Core's own rules read only ledger facts; each source adds its own through ``duban_default_rules``.
# Every default names the basis of its threshold (``basis``): a deadline or target the office
# itself set, a reporting cadence, or a plain policy choice an office is expected to revise —
# never a figure fitted to simulated data. Weights of evidence are the model's to learn.
CORE_RULES: list[RuleSpec] = [
    {"id": "ledger.long_overdue", "when": "overdue_days > 30", "points": 30,
     "reason": N_("%(overdue_days)s days past the deadline"),
     "basis": N_("The deadline the ledger set for the task; past it by more than one monthly reporting period.")},
    {"id": "ledger.overdue", "when": "overdue_days > 0 and overdue_days <= 30", "points": 15,
     "reason": N_("%(overdue_days)s days past the deadline"),
     "basis": N_("The deadline the ledger set for the task.")},
    {"id": "ledger.returned", "when": "returned_count >= 2", "points": 20,
     "reason": N_("Reports sent back %(returned_count)s times"),
     "basis": N_("Policy: a report sent back a second time means the first rework did not answer the office.")},
    {"id": "ledger.urged", "when": "urged_count >= 1 and overdue_days > 0", "points": 10,
     "reason": N_("Urged %(urged_count)s times and still overdue"),
     "basis": N_("The office's own urging notice, not acted on by the deadline.")},
    {"id": "ledger.silent", "when": "days_since_report > 60 and reported_done == 0", "points": 10,
     "reason": N_("No progress report for %(days_since_report)s days"),
     "basis": N_("Two monthly reporting periods without a report while the work is unfinished.")},
    {"id": "ledger.repeat", "when": "past_problems >= 1", "points": 15,
     "reason": N_("Problems confirmed at this unit on %(past_problems)s earlier visits"),
     "basis": N_("Policy: a unit where a problem was confirmed on site is followed up until rectified.")},
    {"id": "ledger.never_checked", "when": "reported_done and missing(days_since_review) and importance >= 4",
     "points": 5, "reason": N_("Reported done on an important matter, never checked on site"),
     "basis": N_("Policy: important matters reported done are checked on site at least once.")},
]


@dataclass(frozen=True)
class Rule:
    """One parsed rule. ``origin`` is ``core``, a plugin's name, or ``instance``."""

    id: str
    when: str
    points: float
    reason: str
    origin: str
    condition: Node = field(compare=False, repr=False)
    features: frozenset[str] = frozenset()
    #: Where the threshold comes from (a deadline or target the office set, a regulation, a policy).
    basis: str = ""

    @property
    def reads_outside_evidence(self) -> bool:
        """True when the condition names a signal feature (``source.kind``)."""
        return any("." in name for name in self.features)

    @property
    def named_features(self) -> frozenset[str]:
        """The features whose values the reason's sentence says (its placeholders)."""
        return frozenset(_PLACEHOLDER.findall(self.reason))

    @property
    def shown_features(self) -> list[str]:
        """The features whose values go with a hit: those the condition reads and the reason names."""
        return sorted(self.features | set(_PLACEHOLDER.findall(self.reason)))


#: Who a rule's ``origin`` names, for people: core's own and the instance's file (a plugin is named
#: by its source label, see :func:`core.plugins.source_labels`).
ORIGIN_LABELS = {"core.builtin": N_("Built in"), "core": N_("Built in"), "instance": N_("This instance's rule file")}


@dataclass
class RuleSet:
    """The rules in force, and the default rules left out because a feature is unknown here."""

    rules: list[Rule]
    skipped: list[tuple[str, Message]] = field(default_factory=list)
    #: The queue's order (:data:`QUEUE_ORDERS`), from the rule file's ``[queue]`` table.
    order: str = LIKELIHOOD

    @property
    def weighs_impact(self) -> bool:
        """True when the priority is the chance of a problem times the impact."""
        return self.order == EXPECTED_HARM

    def evaluate(self, table: FeatureTable) -> RuleHits:
        """Which rules each task meets, over whole columns at once."""
        hits = np.zeros((len(table), len(self.rules)), dtype=bool)
        for j, rule in enumerate(self.rules):
            hits[:, j] = np.broadcast_to(truth(rule.condition.evaluate(table.column)), (len(table),))
        points = np.array([rule.points for rule in self.rules], dtype=float)
        outside = np.array([rule.reads_outside_evidence for rule in self.rules], dtype=bool)
        if not self.rules:
            return RuleHits(self, hits, np.zeros(len(table)), np.zeros(len(table)))
        return RuleHits(self, hits, hits @ points, hits[:, outside] @ points[outside])


@dataclass
class RuleHits:
    """The outcome of evaluating a rule set: hits per task and rule, points per task."""

    ruleset: RuleSet
    hits: np.ndarray
    points: np.ndarray
    outside_points: np.ndarray

    def top(self, row: int, limit: int = 3) -> list[Rule]:
        """The rules task ``row`` meets, most points first."""
        met = [self.ruleset.rules[j] for j in np.flatnonzero(self.hits[row])]
        return sorted(met, key=lambda rule: -rule.points)[:limit]


def _check_rule(raw: Mapping[str, Any], origin: str, known: set[str], position: int) -> Rule:
    """One rule mapping checked and parsed; raises :class:`RuleError` naming what is wrong."""
    rule_id = raw.get("id")
    label = str(rule_id) if rule_id else f"#{position}"
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise RuleError("Rule %(rule)s: give it an id of letters, digits, dots, dashes or underscores.",
                        rule=label)
    when = raw.get("when")
    if not isinstance(when, str):
        raise RuleError("Rule %(rule)s: the condition (when) is missing.", rule=label)
    points = raw.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not -1000 <= points <= 1000:
        raise RuleError("Rule %(rule)s: points must be a number from -1000 to 1000.", rule=label)
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise RuleError("Rule %(rule)s: write the reason a person will read.", rule=label)
    try:
        condition = parse(when, known)
    except ExpressionError as error:
        error_with_rule = RuleError("Rule %(rule)s, condition: %(problem)s", rule=label, problem=error.message)
        error_with_rule.column = error.column
        raise error_with_rule from None
    for match in _PLACEHOLDER.finditer(reason):
        if match.group(1) not in known:
            raise RuleError("Rule %(rule)s: the reason names an unknown feature %(name)s at character %(column)s.",
                            rule=label, name=repr(match.group(1)), column=match.start() + 1)
    try:
        reason % {name: "" for name in known}
    except (ValueError, TypeError):
        raise RuleError("Rule %(rule)s: the reason has a stray %% sign; write %%%% for a percent sign.",
                        rule=label) from None
    basis = raw.get("basis", "")
    if not isinstance(basis, str):
        raise RuleError("Rule %(rule)s: the basis must be text.", rule=label)
    return Rule(rule_id, when, float(points), reason, origin, condition, frozenset(condition.names()), basis)


def _document(text: str) -> dict[str, Any]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleError("The rule file is not valid TOML: %(problem)s", problem=str(error)) from None
    extra = sorted(set(document) - {"rule", "queue"})
    if extra:
        raise RuleError("The rule file may only hold [[rule]] tables and a [queue] table, not %(name)s.",
                        name=", ".join(extra))
    return document


def queue_order(text: str) -> str:
    """The order the rule file's ``[queue]`` table sets (``likelihood`` when it sets none)."""
    queue = _document(text).get("queue", {}) if text else {}
    if not isinstance(queue, dict) or set(queue) - {"order"}:
        raise RuleError("The [queue] table may only set order.")
    order = queue.get("order", LIKELIHOOD)
    if order not in QUEUE_ORDERS:
        raise RuleError("The queue's order must be %(orders)s.", orders=" or ".join(f'"{o}"' for o in QUEUE_ORDERS))
    return str(order)


def parse_rules_toml(text: str) -> list[dict[str, Any]]:
    """The ``[[rule]]`` tables of a rule file; a TOML mistake is refused with its line and column."""
    document = _document(text)
    rules = document.get("rule", [])
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise RuleError("Write each rule as a [[rule]] table.")
    if len(rules) > MAX_RULES:
        raise RuleError("At most %(count)s rules are allowed.", count=MAX_RULES)
    return rules


def load_rules(catalogue: Catalogue, defaults: Iterable[tuple[str, Mapping[str, Any]]],
               instance_text: str | None = None) -> RuleSet:
    """Defaults (``(origin, mapping)`` pairs), overridden by the instance's rule file.

    A default naming a feature this instance does not have (its plugin is
    blocked) is skipped and listed; any mistake in the instance's file refuses
    the whole file.
    """
    known = set(catalogue.names)
    by_id: dict[str, Rule] = {}
    skipped: list[tuple[str, Message]] = []
    for position, (origin, raw) in enumerate(defaults, start=1):
        try:
            rule = _check_rule(raw, origin, known, position)
        except RuleError as error:
            skipped.append((str(raw.get("id", position)), error.message))
            continue
        by_id[rule.id] = rule
    if instance_text:
        seen: set[str] = set()
        for position, raw in enumerate(parse_rules_toml(instance_text), start=1):
            enabled = raw.get("enabled", True)
            if not isinstance(enabled, bool):
                raise RuleError("Rule %(rule)s: enabled must be true or false.", rule=str(raw.get("id", position)))
            if raw.get("id") in seen:
                raise RuleError("Rule %(rule)s appears twice in the file.", rule=str(raw.get("id")))
            if not enabled:
                if isinstance(raw.get("id"), str):
                    seen.add(raw["id"])
                    by_id.pop(raw["id"], None)
                continue
            rule = _check_rule(raw, "instance", known, position)
            seen.add(rule.id)
            by_id[rule.id] = rule
    return RuleSet(list(by_id.values()), skipped, queue_order(instance_text or ""))


def validate_rules_text(catalogue: Catalogue, text: str) -> list[dict[str, Any]]:
    """Check a rule file as staff typed it; returns its rules or raises :class:`RuleError`."""
    load_rules(catalogue, (), text)
    return parse_rules_toml(text)


def reason_message(rule: Rule, shown: Mapping[str, str]) -> Message:
    """The rule's reason as a message: translated, then filled in with the task's shown values."""
    return message(rule.reason, **{name: shown.get(name, "?") for name in _PLACEHOLDER.findall(rule.reason)})


def rule_error_text(error: RuleError) -> str:
    """An untranslated rendering, for logs and the command line."""
    return str(error.message)
