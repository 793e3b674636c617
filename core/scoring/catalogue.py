"""The features a task can be scored on: their names, labels, direction and scale.

Ledger features are core's own; every signal kind a plugin declares (and every
``source.kind`` pair found among stored signals, for sources that declare none)
becomes a feature named ``source.kind``. Rules may name any of them; a name not
in the catalogue is refused.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.hooktypes import SignalKind
from core.i18n import N_
from core.signals import Signal
from core.signals_import import OUTSIDE_KINDS

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
    #: For a summary of a kind's history (``mean``, ``min`` …): which summary, and of which feature.
    summary: str = ""
    of: str = ""
    of_label: str = ""
    #: A days-count signal that grows by one a day after its observation while above zero.
    grows_daily: bool = False


LEDGER_FEATURES: tuple[Feature, ...] = (
    Feature("overdue_days", N_("Days overdue"), 1, "days"),
    Feature("returned_count", N_("Reports sent back"), 1, "count"),
    Feature("urged_count", N_("Urging notices"), 1, "count"),
    Feature("percent_done", N_("Reported percent done"), 1, "percent"),
    Feature("reported_done", N_("Reported done"), 1, "flag"),
    Feature("days_since_report", N_("Days since the last report"), 1, "days"),
    Feature("days_since_review", N_("Days since the last on-site review"), 1, "days"),
    Feature("past_problems", N_("Problems found at the unit on earlier visits"), 1, "count"),
    Feature("past_visits", N_("Earlier on-site visits to the unit"), 1, "count"),
    Feature("past_problem_rate", N_("Share of earlier visits to the unit that found a problem"), 1, "share"),
    Feature("days_since_unit_visit", N_("Days since the unit's last on-site visit"), 1, "days"),
    Feature("last_visit_problem", N_("The unit's last visit found a problem"), 1, "flag"),
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


# What is kept of a kind's history (``history=True``), per task and per unit across matters.
# Each label is a sentence with the kind's own label in ``%(feature)s``.
HISTORY_SUMMARIES: tuple[tuple[str, str, str], ...] = (
    ("mean", N_("%(feature)s, mean of its history"), ""),
    ("min", N_("%(feature)s, lowest in its history"), ""),
    ("max", N_("%(feature)s, highest in its history"), ""),
    ("count", N_("%(feature)s, number of observations"), "count"),
    ("trend", N_("%(feature)s, change per year"), "trend"),
    ("days_since", N_("%(feature)s, days since the last observation"), "days"),
    ("unit_mean", N_("%(feature)s, mean over the unit's matters and history"), ""),
    ("unit_min", N_("%(feature)s, lowest over the unit's matters and history"), ""),
    ("unit_max", N_("%(feature)s, highest over the unit's matters and history"), ""),
)


def history_features(base: Feature) -> list[Feature]:
    """The summary features of a kind kept as a time series (named ``source.kind.summary``)."""
    found = []
    for summary, label, scale in HISTORY_SUMMARIES:
        direction = 1 if scale in ("count", "days") else base.direction
        found.append(Feature(f"{base.name}.{summary}", label, direction, scale or base.scale, base.source,
                             summary=summary, of=base.name, of_label=base.label))
    return found


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

    @property
    def series_features(self) -> list[Feature]:
        """Signal features read as the latest observation (not history summaries)."""
        return [feature for feature in self.signal_features if not feature.summary]

    @property
    def history_features(self) -> list[Feature]:
        """Summaries of kinds kept as a time series."""
        return [feature for feature in self.features if feature.summary]

    def get(self, name: str) -> Feature | None:
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, Feature]:
        return {feature.name: feature for feature in self.features}

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
            feature = Feature(name, kind.label, int(kind.direction), kind.scale, kind.source,
                              grows_daily=kind.grows_daily)
            features.append(feature)
            seen.add(name)
            if kind.history:
                features.extend(history_features(feature))
    named = {(kind.source, kind.name): kind for kind in OUTSIDE_KINDS}
    for source, kind_name in sorted(observed):
        name = signal_feature_name(source, kind_name)
        if source != REVIEW_SOURCE and name not in seen:
            # A source without a plugin sends dated observations: its history is kept too. It is
            # named where core knows it (the 12345 hotline), else it is read by its key.
            known = named.get((source, kind_name))
            feature = (Feature(name, known.label, int(known.direction), known.scale, source) if known
                       else Feature(name, name, 1, "value", source))
            features.append(feature)
            features.extend(history_features(feature))
            seen.add(name)
    return Catalogue(tuple(features))


def catalogue_for(session: Session, declared: Iterable[SignalKind]) -> Catalogue:
    """The catalogue of this instance: declared kinds plus those present among stored signals."""
    observed = session.execute(select(Signal.source, Signal.kind).distinct())
    return build_catalogue(declared, [(source, kind) for source, kind in observed])
