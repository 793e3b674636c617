"""The features a task can be scored on: their names, labels, direction and scale.

Ledger features are core's own; every signal kind a plugin declares (and every
``source.kind`` pair found among stored signals, for sources that declare none)
becomes a feature named ``source.kind``. Rules may name any of them; a name not
in the catalogue is refused.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.hooktypes import SignalKind
from core.i18n import N_
from core.signals import Signal

# On-site outcomes are recorded as signals of this source; scoring reads them
# through the review tables instead, so a visit's own result never scores it.
REVIEW_SOURCE = "review"


@dataclass(frozen=True)
class Feature:
    """One column of the feature table.

    ``direction`` is +1 when a higher value makes a problem likelier; ``scale``
    says how to show a value (``count``, ``days``, ``share``, ``0-100``, ``yuan`` …).
    """

    name: str
    label: str
    direction: int = 1
    scale: str = "count"
    source: str = "ledger"


LEDGER_FEATURES: tuple[Feature, ...] = (
    Feature("overdue_days", N_("Days overdue"), 1, "days"),
    Feature("returned_count", N_("Reports sent back"), 1, "count"),
    Feature("urged_count", N_("Urging notices"), 1, "count"),
    Feature("percent_done", N_("Reported percent done"), 1, "percent"),
    Feature("reported_done", N_("Reported done"), 1, "flag"),
    Feature("days_since_report", N_("Days since the last report"), 1, "days"),
    Feature("days_since_review", N_("Days since the last on-site review"), 1, "days"),
    Feature("past_problems", N_("Problems found at the unit on earlier visits"), 1, "count"),
    Feature("importance", N_("Importance of the matter"), 1, "level"),
    Feature("public_attention", N_("Public attention"), 1, "level"),
    Feature("people_affected", N_("People affected"), 1, "count"),
    Feature("money_affected", N_("Money involved (yuan)"), 1, "yuan"),
)

# Computed after the rules: they summarise rule hits, so rules cannot name them.
DERIVED_FEATURES: tuple[Feature, ...] = (
    Feature("rule_points", N_("Rule points"), 1, "points", "rules"),
    Feature("outside_points", N_("Rule points from outside evidence"), 1, "points", "rules"),
    Feature("contradiction", N_("Reported done while outside evidence disagrees"), 1, "flag", "rules"),
)


@dataclass(frozen=True)
class Catalogue:
    """Every feature rules may name, ledger features first, then signal kinds."""

    features: tuple[Feature, ...]

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]

    @property
    def signal_features(self) -> list[Feature]:
        return [feature for feature in self.features if feature.source != "ledger"]

    def get(self, name: str) -> Feature | None:
        return next((feature for feature in self.features if feature.name == name), None)

    def index(self, name: str) -> int:
        return self.names.index(name)


def signal_feature_name(source: str, kind: str) -> str:
    """The feature name of a signal kind: ``source.kind``."""
    return f"{source}.{kind}"


def build_catalogue(declared: Iterable[SignalKind], observed: Iterable[tuple[str, str]] = ()) -> Catalogue:
    """Ledger features, then each declared kind, then each observed ``(source, kind)`` not declared."""
    features = list(LEDGER_FEATURES)
    seen = {feature.name for feature in features}
    for kind in declared:
        name = signal_feature_name(kind.source, kind.name)
        if kind.source != REVIEW_SOURCE and name not in seen:
            features.append(Feature(name, kind.label, int(kind.direction), kind.scale, kind.source))
            seen.add(name)
    for source, kind_name in sorted(observed):
        name = signal_feature_name(source, kind_name)
        if source != REVIEW_SOURCE and name not in seen:
            features.append(Feature(name, name, 1, "value", source))
            seen.add(name)
    return Catalogue(tuple(features))


def catalogue_for(session: Session, declared: Iterable[SignalKind]) -> Catalogue:
    """The catalogue of this instance: declared kinds plus those present among stored signals."""
    observed = session.execute(select(Signal.source, Signal.kind).distinct())
    return build_catalogue(declared, [(source, kind) for source, kind in observed])
